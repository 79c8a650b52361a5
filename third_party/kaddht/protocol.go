package dht

import (
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/scatterbytes/scatterbytes/third_party/kaddht/amino"
)

var (
	// ProtocolDHT is the default DHT protocol.
	ProtocolDHT protocol.ID = amino.ProtocolID
	// DefaultProtocols spoken by the DHT.
	DefaultProtocols = amino.Protocols
)

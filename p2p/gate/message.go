package gate

import (
	"fmt"

	"github.com/scatterbytes/scatterbytes/internal/wire"
)

const (
	// MaxMessage bounds a certificate message on the wire.
	MaxMessage = 16 << 10
	// MaxChain bounds the number of certificates in a message.
	MaxChain = 4
)

// certSchema is CertMessage of cert.proto, which TestProtoMatchesSchema
// keeps in step with it.
var certSchema = wire.Message{Name: "CertMessage", Max: MaxMessage, Fields: []wire.Field{
	{Num: 1, Name: "chain", Kind: wire.Bytes, Repeated: true, Required: true, MaxCount: MaxChain, Max: MaxMessage},
}}

// encodeChain encodes a CertMessage.
func encodeChain(chain [][]byte) []byte {
	var b []byte
	for _, c := range chain {
		b = wire.AppendBytes(b, 1, c)
	}
	return b
}

// decodeChain decodes a CertMessage under package wire's policy. The
// certificates alias b.
func decodeChain(b []byte) ([][]byte, error) {
	var chain [][]byte
	err := certSchema.Decode(b, func(_ *wire.Field, v wire.Value) error {
		chain = append(chain, v.Bytes())
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadMessage, err)
	}
	return chain, nil
}

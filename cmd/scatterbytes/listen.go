package main

import (
	"github.com/spf13/pflag"

	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// listenFlags are the flags of every command that runs a listening peer.
type listenFlags struct {
	listen []string
	ip     string
	port   int
}

// register adds --listen, --ip and --port to f, with defaultPort.
func (l *listenFlags) register(f *pflag.FlagSet, defaultPort int) {
	f.StringSliceVar(&l.listen, "listen", nil, "multiaddrs to listen on (overrides --ip and --port)")
	f.StringVar(&l.ip, "ip", "0.0.0.0", "IPv4 address to listen on")
	f.IntVar(&l.port, "port", defaultPort, "TCP and UDP (QUIC) port to listen on; 0 picks one")
}

// addrs is --listen, or the TCP and QUIC addresses of --ip and --port.
func (l *listenFlags) addrs() []string {
	if len(l.listen) > 0 {
		return l.listen
	}
	return node.ListenAddrs(l.ip, l.port)
}

package main

import (
	"fmt"
	"log/slog"
	"net"
	"strconv"

	ma "github.com/multiformats/go-multiaddr"
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

// portInUseError means another process holds the port --port asks for.
type portInUseError struct {
	port int
	err  error // the bind's error, for the debug log
}

func (e portInUseError) Error() string {
	return fmt.Sprintf("port %d is in use by another process: choose another with --port", e.port)
}

func (e portInUseError) Unwrap() error { return e.err }

// checkFree refuses a fixed --port whose TCP or UDP side another process
// holds. libp2p binds with SO_REUSEPORT, so a second node would share the
// TCP port with the first, and a port another program holds would leave
// the node on QUIC alone: a plain bind, closed at once, finds both.
// It refuses first, as usage errors, a --port out of range and an --ip
// that is not an IPv4 address.
func (l *listenFlags) checkFree() error {
	if len(l.listen) == 0 && (l.port < 0 || l.port > 65535) {
		return usageError{fmt.Errorf("--port %d: a port is 0 to 65535 (0 picks one)", l.port)}
	}
	if ip := net.ParseIP(l.ip); len(l.listen) == 0 && (ip == nil || ip.To4() == nil) {
		return usageError{fmt.Errorf("--ip %q: not an IPv4 address (0.0.0.0 listens on every interface)", l.ip)}
	}
	if len(l.listen) > 0 || l.port == 0 {
		return nil
	}
	addr := net.JoinHostPort(l.ip, strconv.Itoa(l.port))
	tl, err := net.Listen("tcp4", addr)
	if err != nil {
		return portInUseError{port: l.port, err: err}
	}
	tl.Close()
	ul, err := net.ListenPacket("udp4", addr)
	if err != nil {
		return portInUseError{port: l.port, err: err}
	}
	ul.Close()
	return nil
}

// warnMissing logs each address of asked that no address in got listens
// with the same transport (a taken port lets libp2p start on the others).
func warnMissing(log *slog.Logger, asked []string, got []ma.Multiaddr) {
	for _, a := range asked {
		want, err := ma.NewMultiaddr(a)
		if err != nil {
			continue
		}
		found := false
		for _, g := range got {
			found = found || sameTransport(want, g)
		}
		if !found {
			log.Warn("not listening on an address asked for: another process may hold its port", "addr", a)
		}
	}
}

// sameTransport says whether a and b have the same protocols, addresses
// and ports aside.
func sameTransport(a, b ma.Multiaddr) bool {
	pa, pb := a.Protocols(), b.Protocols()
	if len(pa) != len(pb) {
		return false
	}
	for i := range pa {
		if pa[i].Code != pb[i].Code {
			return false
		}
	}
	return true
}

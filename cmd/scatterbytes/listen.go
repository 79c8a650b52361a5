package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"
	"github.com/spf13/pflag"

	"github.com/scatterbytes/scatterbytes/internal/atomicfile"
	"github.com/scatterbytes/scatterbytes/p2p/node"
)

// listenFlags are the flags of every command that runs a listening peer.
type listenFlags struct {
	listen   []string
	announce []string
	ip       string
	port     int
}

// register adds --listen, --ip and --port to f, with defaultPort.
func (l *listenFlags) register(f *pflag.FlagSet, defaultPort int) {
	f.StringSliceVar(&l.listen, "listen", nil, "multiaddrs to listen on (overrides --ip and --port)")
	f.StringVar(&l.ip, "ip", "0.0.0.0", "IPv4 address to listen on")
	f.IntVar(&l.port, "port", defaultPort, "TCP and UDP (QUIC) port to listen on; 0 picks one")
	f.StringSliceVar(&l.announce, "announce", nil, "multiaddrs to tell other peers instead of the listen addresses, e.g. /ip4/203.0.113.7/tcp/4001 behind a port forward")
}

// addrs is --listen, or the TCP and QUIC addresses of --ip and --port.
func (l *listenFlags) addrs() []string {
	if len(l.listen) > 0 {
		return l.listen
	}
	return node.ListenAddrs(l.ip, l.port)
}

// AddrsFile is where a running node or coordinator leaves the addresses
// other peers can dial it on, for ` + "`id --addrs`" + `.
const AddrsFile = "addrs"

// printAddrs prints the addresses peers dial ai on, the most widely
// reachable first, and leaves them in DIR/addrs for ` + "`id --addrs`" + `.
func printAddrs(out io.Writer, log *slog.Logger, dir string, ai peer.AddrInfo) {
	addrs := node.P2PAddrs(ai)
	for _, a := range addrs {
		fmt.Fprintf(out, "  listening on %s\n", a)
	}
	b := []byte(strings.Join(addrs, "\n") + "\n")
	if err := atomicfile.Write(filepath.Join(dir, AddrsFile), b, 0o644); err != nil {
		log.Warn("cannot record the node's addresses for `id --addrs`", "err", err)
	}
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

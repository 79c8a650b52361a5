package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/tlsbatch"
	"github.com/scatterbytes/scatterbytes/third_party/yamux"
	"github.com/scatterbytes/scatterbytes/third_party/yamux/muxer"
)

// A host running Muxer and p2p/tlsbatch exchanges bytes both ways with a
// host running stock libp2p TLS and yamux, whichever of them dials.
func TestMuxerInteroperates(t *testing.T) {
	ours, stock := bareHost(t, true), bareHost(t, false)
	for _, tc := range []struct {
		name         string
		dialer, peer host.Host
	}{{"ours dials", ours, stock}, {"stock dials", stock, ours}} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := tc.dialer.Connect(ctx, peer.AddrInfo{ID: tc.peer.ID(), Addrs: tc.peer.Addrs()}); err != nil {
				t.Fatal(err)
			}
			s, err := tc.dialer.NewStream(ctx, tc.peer.ID(), echoProto)
			if err != nil {
				t.Fatal(err)
			}
			data := make([]byte, 3*maxStreamWindow+1234)
			rand.Read(data)
			errc := make(chan error, 1)
			go func() {
				_, err := s.Write(data)
				if err == nil {
					err = s.CloseWrite()
				}
				errc <- err
			}()
			got, err := io.ReadAll(s)
			if err != nil {
				t.Fatal(err)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("echo returned %d bytes that differ from the %d sent", len(got), len(data))
			}
		})
	}
}

const echoProto = "/muxer-test/echo"

// bareHost is a loopback TCP host echoing echoProto: with ours, over
// p2p/tlsbatch and Muxer; otherwise over libp2p's stock TLS and yamux.
func bareHost(t *testing.T, ours bool) host.Host {
	t.Helper()
	opts := []libp2p.Option{
		libp2p.ListenAddrStrings("/ip4/127.0.0.1/tcp/0"),
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.DisableRelay(),
		libp2p.DisableMetrics(),
	}
	if ours {
		opts = append(opts, libp2p.Security(tlsbatch.ID, tlsbatch.New), libp2p.Muxer(muxer.ID, Muxer()))
	} else {
		opts = append(opts, libp2p.Security(libp2ptls.ID, libp2ptls.New))
	}
	h, err := libp2p.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	h.SetStreamHandler(echoProto, func(s network.Stream) {
		defer s.Close()
		if _, err := io.Copy(s, s); err != nil {
			s.Reset()
		}
	})
	return h
}

// yamux frame types and flags (third_party/yamux/spec.md).
const (
	yamuxData, yamuxWindowUpdate, yamuxPing = 0, 1, 2
	yamuxSYN, yamuxACK, yamuxFIN            = 1, 2, 4
)

// frame is a yamux frame header: version 0, type, flags, stream ID and
// length.
func frame(typ uint8, flags uint16, stream, length uint32) []byte {
	h := make([]byte, 12)
	h[1] = typ
	binary.BigEndian.PutUint16(h[2:], flags)
	binary.BigEndian.PutUint32(h[4:], stream)
	binary.BigEndian.PutUint32(h[8:], length)
	return h
}

// A stream whose reader keeps up grows its receive window, and growing it
// must not cost the sender credit. go-yamux v5.1.0 announced only the
// growth when a window update also grew the window, so a long stream's
// sender ran out of credit while the receiver believed it had plenty, and
// both waited for ever (third_party/yamux carries the fix). Here a peer
// speaking yamux by hand sends exactly what it is credited, answering
// pings after 20 ms so that the receiver measures a round trip and grows
// its window at every update.
func TestMuxerKeepsCreditFlowing(t *testing.T) {
	ours, peer := net.Pipe()
	t.Cleanup(func() { ours.Close(); peer.Close() })
	sess, err := yamux.Server(ours, Muxer().Config(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	const total = 64 << 20
	read := make(chan error, 1)
	go func() {
		s, err := sess.AcceptStream()
		if err != nil {
			read <- err
			return
		}
		n, err := io.Copy(io.Discard, s)
		if err == nil && n != total {
			err = fmt.Errorf("read %d of %d bytes", n, total)
		}
		read <- err
	}()
	var wmu sync.Mutex
	send := func(parts ...[]byte) error {
		wmu.Lock()
		defer wmu.Unlock()
		for _, p := range parts {
			if _, err := peer.Write(p); err != nil {
				return err
			}
		}
		return nil
	}
	credit := make(chan int, 1<<10)
	go func() { // the peer's receiving half: pings and window updates
		hdr := make([]byte, 12)
		for {
			if _, err := io.ReadFull(peer, hdr); err != nil {
				return
			}
			typ, flags, length := hdr[1], binary.BigEndian.Uint16(hdr[2:]), binary.BigEndian.Uint32(hdr[8:])
			switch {
			case typ == yamuxPing && flags&yamuxSYN != 0:
				time.AfterFunc(20*time.Millisecond, func() { send(frame(yamuxPing, yamuxACK, 0, length)) })
			case typ == yamuxWindowUpdate && length > 0:
				credit <- int(length)
			}
		}
	}()
	// Only a receiver that knows the round trip grows its window.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := wait.For(ctx, func() error {
		if sess.RTT() == 0 {
			return errors.New("no round trip measured yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := send(frame(yamuxWindowUpdate, yamuxSYN, 1, 0)); err != nil {
		t.Fatal(err)
	}
	window, body := 256<<10, make([]byte, 256<<10)
	for sent := 0; sent < total; {
		for more := true; more; {
			select {
			case d := <-credit:
				window += d
			default:
				more = false
			}
		}
		if window == 0 {
			select {
			case d := <-credit:
				window += d
			case <-time.After(10 * time.Second):
				t.Fatalf("the receiver stopped granting credit after %d of %d bytes", sent, total)
			}
		}
		n := min(window, len(body), total-sent)
		if err := send(frame(yamuxData, 0, 1, uint32(n)), body[:n]); err != nil {
			t.Fatal(err)
		}
		window, sent = window-n, sent+n
	}
	if err := send(frame(yamuxWindowUpdate, yamuxFIN, 1, 0)); err != nil {
		t.Fatal(err)
	}
	if err := <-read; err != nil {
		t.Fatal(err)
	}
}

package node

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/p2p/muxer/yamux"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"

	"github.com/scatterbytes/scatterbytes/p2p/tlsbatch"
)

// A stream writing more than a frame holds sends frames of maxFrame bytes,
// header included, not yamux's default 64 KiB.
func TestMuxerSendsLargeFrames(t *testing.T) {
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	mc, err := Muxer().NewConn(a, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { mc.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	go func() {
		s, err := mc.OpenStream(ctx)
		if err != nil {
			return
		}
		s.Write(make([]byte, 1<<20)) // ends when the test closes the pipe
	}()
	// yamux frame header: version, type, flags (2), stream ID (4), length
	// (4); only data frames (type 0) carry a body.
	hdr := make([]byte, 12)
	for {
		if _, err := io.ReadFull(b, hdr); err != nil {
			t.Fatal(err)
		}
		if hdr[1] != 0 {
			continue
		}
		if n := binary.BigEndian.Uint32(hdr[8:]); n != maxFrame-12 {
			t.Fatalf("first data frame carries %d bytes, want %d", n, maxFrame-12)
		}
		return
	}
}

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
			data := make([]byte, 3*maxFrame+1234)
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
		opts = append(opts, libp2p.Security(tlsbatch.ID, tlsbatch.New), libp2p.Muxer(yamux.ID, Muxer()))
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

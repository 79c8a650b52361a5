package bench

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/libp2p/go-libp2p"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	libp2ptls "github.com/libp2p/go-libp2p/p2p/security/tls"
	"github.com/libp2p/go-libp2p/p2p/transport/tcp"
	ma "github.com/multiformats/go-multiaddr"
	"golang.org/x/sync/errgroup"

	"github.com/scatterbytes/scatterbytes/internal/directio"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/tlsbatch"
	"github.com/scatterbytes/scatterbytes/third_party/yamux/muxer"
)

const (
	sinkProto   = "/scatterbytes/bench-sink/1.0.0"
	sourceProto = "/scatterbytes/bench-source/1.0.0"
)

// AESGCM returns single-core AES-256-GCM sealing throughput in bytes/s over
// 64 KiB segments, measured for about d.
func AESGCM(d time.Duration) float64 {
	key := make([]byte, 32)
	rand.Read(key)
	blk, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(blk)
	seg := make([]byte, 64<<10)
	out := make([]byte, 0, len(seg)+16)
	nonce := make([]byte, 12)
	var n int64
	start := time.Now()
	for time.Since(start) < d {
		for range 64 {
			nonce[0]++
			out = aead.Seal(out[:0], nonce, seg, nil)
			n += int64(len(seg))
		}
	}
	return float64(n) / time.Since(start).Seconds()
}

// bareHost is a libp2p host with TLS over TCP and nothing else: stock
// libp2p TLS and yamux, or with batched ScatterBytes' (p2p/tlsbatch, and
// the patched yamux as p2p/node sets it up).
func bareHost(batched bool, listen ...string) (host.Host, error) {
	security := libp2p.Security(libp2ptls.ID, libp2ptls.New)
	mux := libp2p.DefaultMuxers
	if batched {
		security = libp2p.Security(tlsbatch.ID, tlsbatch.New)
		mux = libp2p.Muxer(muxer.ID, node.Muxer())
	}
	return libp2p.New(
		libp2p.ListenAddrStrings(listen...),
		security,
		mux,
		libp2p.Transport(tcp.NewTCPTransport),
		libp2p.DisableRelay(),
	)
}

// Sink serves the far end of the stream ceiling and of Spread: it listens
// on loopback and writes its address to addrFile. On the sink protocol it
// reads each stream to the end and answers one byte; on the source
// protocol it reads an 8-byte big-endian count and sends that many bytes.
// It returns when ctx ends. batched is as for bareHost.
func Sink(ctx context.Context, addrFile string, batched bool) error {
	h, err := bareHost(batched, "/ip4/127.0.0.1/tcp/0")
	if err != nil {
		return err
	}
	defer h.Close()
	h.SetStreamHandler(sinkProto, func(s network.Stream) {
		defer s.Close()
		buf := make([]byte, 1<<20)
		if _, err := io.CopyBuffer(io.Discard, s, buf); err != nil {
			s.Reset()
			return
		}
		s.Write([]byte{1})
	})
	h.SetStreamHandler(sourceProto, func(s network.Stream) {
		defer s.Close()
		var n [8]byte
		if _, err := io.ReadFull(s, n[:]); err != nil {
			s.Reset()
			return
		}
		if err := send(s, int64(binary.BigEndian.Uint64(n[:]))); err != nil {
			s.Reset()
		}
	})
	addrs, _ := peer.AddrInfoToP2pAddrs(&peer.AddrInfo{ID: h.ID(), Addrs: h.Addrs()})
	if err := os.WriteFile(addrFile+".tmp", []byte(addrs[0].String()), 0o600); err != nil {
		return err
	}
	if err := os.Rename(addrFile+".tmp", addrFile); err != nil {
		return err
	}
	<-ctx.Done()
	return nil
}

// send writes size random bytes to w in 1 MiB writes.
func send(w io.Writer, size int64) error {
	buf := make([]byte, 1<<20)
	rand.Read(buf)
	for sent := int64(0); sent < size; sent += int64(len(buf)) {
		if _, err := w.Write(buf[:min(int64(len(buf)), size-sent)]); err != nil {
			return err
		}
	}
	return nil
}

// sinks starts n sink processes (sinkCmd, as for Stream), connects a host
// of this process to each, and returns the host, the sinks' peer IDs and
// their PIDs, and a function that stops them all.
func sinks(ctx context.Context, sinkCmd []string, dir string, n int, batched bool) (host.Host, []peer.ID, []int, func(), error) {
	if batched {
		sinkCmd = append(slices.Clip(sinkCmd), "--batched")
	}
	var cmds []*exec.Cmd
	var h host.Host
	stop := func() {
		if h != nil {
			h.Close()
		}
		for _, c := range cmds {
			c.Process.Kill()
			c.Wait()
		}
	}
	fail := func(err error) (host.Host, []peer.ID, []int, func(), error) {
		stop()
		return nil, nil, nil, nil, err
	}
	var files []string
	for i := range n {
		addrFile := fmt.Sprintf("%s/sink%d.addr", dir, i)
		// A file left by an earlier sink would send the dial to a dead one.
		if err := os.Remove(addrFile); err != nil && !os.IsNotExist(err) {
			return fail(err)
		}
		cmd := exec.CommandContext(ctx, sinkCmd[0], append(sinkCmd[1:], addrFile)...)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			return fail(err)
		}
		cmds = append(cmds, cmd)
		files = append(files, addrFile)
	}
	var err error
	if h, err = bareHost(batched); err != nil {
		return fail(err)
	}
	var ids []peer.ID
	var pids []int
	for i, addrFile := range files {
		var ai *peer.AddrInfo
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		err := wait.For(wctx, func() error {
			b, err := os.ReadFile(addrFile)
			if err != nil {
				return err
			}
			a, err := ma.NewMultiaddr(strings.TrimSpace(string(b)))
			if err != nil {
				return err // not all written yet
			}
			ai, err = peer.AddrInfoFromP2pAddr(a)
			return err
		})
		cancel()
		if err != nil {
			return fail(fmt.Errorf("sink did not start: %w", err))
		}
		if err := h.Connect(ctx, *ai); err != nil {
			return fail(err)
		}
		ids = append(ids, ai.ID)
		pids = append(pids, cmds[i].Process.Pid)
	}
	return h, ids, pids, stop, nil
}

// Stream measures one libp2p TLS stream from this process to a sink
// process started as sinkCmd (the "bench sink" command, which calls Sink
// with the file named by its last argument), sending size bytes, over
// stock libp2p TLS or, with batched, p2p/tlsbatch at both ends. It returns
// bytes/s and the CPU time both ends used for the transfer.
func Stream(ctx context.Context, sinkCmd []string, dir string, size int64, batched bool) (float64, time.Duration, error) {
	return Spread(ctx, sinkCmd, dir, 1, size, batched, false)
}

// Spread moves size bytes between this process and n sink processes, an
// equal share over one stream each and all at once: to them, as an upload
// sends shards, or, with gather, from them, as a download fetches. It is
// the transport's cost in the bench's own layout of processes, with none
// of the data path's work. It returns bytes/s and the CPU time this
// process and the sinks used. sinkCmd and batched are as for Stream.
func Spread(ctx context.Context, sinkCmd []string, dir string, n int, size int64, batched, gather bool) (float64, time.Duration, error) {
	h, ids, pids, stop, err := sinks(ctx, sinkCmd, dir, n, batched)
	if err != nil {
		return 0, 0, err
	}
	defer stop()
	streams := make([]network.Stream, n)
	for i, id := range ids {
		proto := protocol.ID(sinkProto)
		if gather {
			proto = sourceProto
		}
		if streams[i], err = h.NewStream(ctx, id, proto); err != nil {
			return 0, 0, err
		}
	}
	cpu := cpuMeter{pids: pids, self: true}
	cpu.Start()
	start := time.Now()
	var g errgroup.Group
	for i, s := range streams {
		share := size / int64(n) // every share equal but the last
		if i == n-1 {
			share = size - int64(n-1)*(size/int64(n))
		}
		g.Go(func() error {
			if gather {
				return receive(s, share)
			}
			return deliver(s, share)
		})
	}
	if err := g.Wait(); err != nil {
		return 0, 0, err
	}
	rate := float64(size) / time.Since(start).Seconds()
	return rate, cpu.Stop(), nil
}

// deliver sends size bytes on a sink stream and waits for the sink's answer.
func deliver(s network.Stream, size int64) error {
	if err := send(s, size); err != nil {
		return err
	}
	if err := s.CloseWrite(); err != nil {
		return err
	}
	if _, err := io.ReadFull(s, make([]byte, 1)); err != nil {
		return fmt.Errorf("sink did not confirm: %w", err)
	}
	return nil
}

// receive asks a source stream for size bytes and reads them all.
func receive(s network.Stream, size int64) error {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(size))
	if _, err := s.Write(n[:]); err != nil {
		return err
	}
	got, err := io.CopyBuffer(io.Discard, s, make([]byte, 1<<20))
	if err != nil {
		return err
	}
	if got != size {
		return fmt.Errorf("source sent %d of %d bytes", got, size)
	}
	return nil
}

// FileWrite returns how fast this machine writes a new file of size bytes
// in dir, in 64 KiB writes (as a download does) and synced at the end (as
// "scatterbytes get" does): the disk's limit on a download to a file. It
// writes the file twice, through the page cache and with O_DIRECT
// (internal/directio, as get does where it can), and returns the faster.
func FileWrite(dir string, size int64) (float64, error) {
	var best float64
	for _, direct := range []bool{false, true} {
		rate, err := fileWrite(dir, size, direct)
		if err != nil {
			return 0, err
		}
		best = max(best, rate)
	}
	return best, nil
}

func fileWrite(dir string, size int64, direct bool) (float64, error) {
	f, err := os.CreateTemp(dir, "ceiling-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	buf := make([]byte, 64<<10)
	rand.Read(buf)
	start := time.Now()
	var w io.Writer = f
	var dw *directio.Writer
	if direct {
		dw = directio.NewWriter(f, directio.Alloc(4<<20))
		w = dw
	}
	for left := size; left > 0; left -= int64(len(buf)) {
		if _, err := w.Write(buf[:min(int64(len(buf)), left)]); err != nil {
			return 0, err
		}
	}
	if dw != nil {
		if err := dw.Flush(); err != nil {
			return 0, err
		}
	}
	if err := f.Sync(); err != nil {
		return 0, err
	}
	return float64(size) / time.Since(start).Seconds(), nil
}

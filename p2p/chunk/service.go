package chunk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/scatterbytes/scatterbytes/internal/ratelog"
)

// abuseLogEvery is the least time between two warnings of one kind of
// abuse (a peer over its limits, a malformed request, a body too slow);
// the ones between are counted.
const abuseLogEvery = 10 * time.Second

// Service serves the chunk protocol from a store. Make it with NewService,
// Register it on the node's gated host, Close it before closing the store.
type Service struct {
	cfg    Config
	log    *slog.Logger
	abuse  *ratelog.Logger // what a peer can cause at will, by kind
	limits *peerLimits

	ctx    context.Context // cancelled by Close: aborts in-flight store calls
	cancel context.CancelFunc

	mu         sync.Mutex
	closed     bool
	registered []registration
	inflight   sync.WaitGroup
	active     atomic.Int64 // exchanges being served now

	counts [opPlacement + 1]atomic.Int64 // requests read, by op
	putBy  putters                       // who last put the latest chunks (PLACE's authority)
}

// Counts are the requests a Service has read, by operation, whatever
// their outcome. A stream refused as busy before its request was read is
// not counted, nor is a request that does not decode.
type Counts struct {
	Put, Get, Has, Delete, Space, Place, Placement int64
}

// Counts returns the requests served so far; for tests and metrics.
func (s *Service) Counts() Counts {
	return Counts{
		Put:       s.counts[opPut].Load(),
		Get:       s.counts[opGet].Load(),
		Has:       s.counts[opHas].Load(),
		Delete:    s.counts[opDelete].Load(),
		Space:     s.counts[opSpace].Load(),
		Place:     s.counts[opPlace].Load(),
		Placement: s.counts[opPlacement].Load(),
	}
}

type registration struct {
	h   host.Host
	pid protocol.ID
}

// NewService returns a service for cfg; zero limits take the defaults.
func NewService(cfg Config) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	return &Service{
		cfg:    cfg,
		log:    cfg.Logger,
		abuse:  ratelog.New(cfg.Logger, abuseLogEvery, nil),
		limits: newPeerLimits(cfg.MaxStreamsPerPeer, cfg.MaxBytesPerPeer),
		ctx:    ctx,
		cancel: cancel,
	}, nil
}

// Register serves the protocol pid on h. h must be the node's gated host
// (node.Node.Host): the service trusts it to reset the streams of peers
// without a verified membership certificate before a byte is read.
func (s *Service) Register(h host.Host, pid protocol.ID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.registered = append(s.registered, registration{h, pid})
	h.SetStreamHandler(pid, s.handle)
}

// Close unregisters the service, aborts the exchanges in flight and waits
// for their handlers to return. It is safe to call more than once.
func (s *Service) Close() error {
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		for _, r := range s.registered {
			r.h.RemoveStreamHandler(r.pid)
		}
		s.cancel()
	}
	s.mu.Unlock()
	s.inflight.Wait()
	return nil
}

// Active returns how many exchanges the service is serving now. A PUT
// whose client has given up may still be storing: once Active is 0, every
// stream that reached the service has ended.
func (s *Service) Active() int64 { return s.active.Load() }

// enter counts a handler in, unless the service is closed; leave counts it
// out.
func (s *Service) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.inflight.Add(1)
	s.active.Add(1)
	return true
}

func (s *Service) leave() {
	s.active.Add(-1)
	s.inflight.Done()
}

// headerTimeout bounds the wait for a request header.
const headerTimeout = 10 * time.Second

// errAborted means the exchange broke after its response header was sent;
// the stream is reset, as no status can follow.
var errAborted = errors.New("exchange aborted")

// handle runs on the stream's goroutine for one exchange.
func (s *Service) handle(str network.Stream) {
	if !s.enter() {
		str.Reset()
		return
	}
	defer s.leave()
	remote := str.Conn().RemotePeer()
	_ = str.SetDeadline(time.Now().Add(s.cfg.Timeout)) // the wall clock, whatever cfg.Now says
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.Timeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { str.Reset() })
	defer stop()

	req, err := s.serve(ctx, str, remote)
	s.logAbuse(ctx, remote, req, err)
	s.served(ctx, req, err)
	switch {
	case errors.Is(err, errAborted) || ctx.Err() != nil:
		s.log.Debug("chunk exchange aborted", "peer", remote, "op", req.Op, "chunk", req.Chunk, "err", err)
		str.Reset()
		return
	case err != nil:
		c, msg := errorToCode(err)
		lvl := slog.LevelDebug
		if c == codeInternal {
			lvl = slog.LevelWarn
		}
		s.log.Log(ctx, lvl, "chunk request refused", "peer", remote, "op", req.Op, "chunk", req.Chunk, "err", err)
		resp := &response{Status: c, Message: msg}
		if c == codeNoSpace {
			s.stateFree(ctx, resp) // so the client knows what would fit
		}
		if werr := writeResponse(str, resp); werr != nil {
			str.Reset()
			return
		}
	}
	str.Close()
}

// logAbuse warns, at a bounded rate per kind, of what only a faulty or
// hostile peer does; each case is also logged at debug level by handle.
func (s *Service) logAbuse(ctx context.Context, remote peer.ID, req request, err error) {
	var kind string
	switch {
	case err == nil:
		return
	case errors.Is(err, ErrBusy):
		kind = "over limits"
	case errors.Is(err, ErrBadMessage):
		kind = "malformed request"
	case errors.Is(err, errTooSlow):
		kind = "body too slow"
	default:
		return
	}
	s.abuse.Log(ctx, slog.LevelWarn, kind, "chunk peer misbehaving", "peer", remote, "op", req.Op, "err", err)
}

// InFlight returns what the service holds for peers now: streams being
// served and PUT bytes reserved (each PUT's size, held until it ends; the
// store's space reservation lives exactly as long). For tests and metrics.
func (s *Service) InFlight() (streams int, putBytes int64) {
	return s.limits.held()
}

// HeldBy is what peer p holds of the service now: the streams being
// served for it and its PUT bytes in flight (at most MaxBytesPerPeer).
func (s *Service) HeldBy(p peer.ID) (streams int, putBytes int64) {
	return s.limits.heldBy(p)
}

// serve reads the request and runs it. It returns nil once it has sent the
// final response, or the error to answer with.
func (s *Service) serve(ctx context.Context, str network.Stream, remote peer.ID) (request, error) {
	release, ok := s.limits.stream(remote)
	if !ok {
		return request{}, fmt.Errorf("%w: %d streams", ErrBusy, s.cfg.MaxStreamsPerPeer)
	}
	defer release()
	// A peer gets a short while to send its header, so idle streams do not
	// sit on its slots for the whole Timeout.
	_ = str.SetReadDeadline(time.Now().Add(min(headerTimeout, s.cfg.Timeout)))
	req, err := readRequest(str)
	_ = str.SetReadDeadline(time.Now().Add(s.cfg.Timeout))
	if err != nil {
		if errors.Is(err, ErrBadMessage) {
			return req, err
		}
		return req, fmt.Errorf("%w: read request: %v", errAborted, err)
	}
	s.counts[req.Op].Add(1) // decoding checked the op
	switch req.Op {
	case opPut:
		return req, s.put(ctx, str, remote, &req)
	case opGet:
		return req, s.get(ctx, str, remote, &req)
	case opHas:
		return req, s.has(ctx, str, &req)
	case opDelete:
		return req, s.delete(ctx, str, remote, &req)
	case opSpace:
		return req, s.space(ctx, str)
	case opPlace:
		return req, s.place(ctx, str, remote, &req)
	case opPlacement:
		return req, s.placement(ctx, str, &req)
	}
	return req, fmt.Errorf("%w: operation %v", ErrBadMessage, req.Op) // unreachable: decode checks
}

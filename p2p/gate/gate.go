package gate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"

	"github.com/scatterbytes/scatterbytes/internal/ratelog"
	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// Verifier checks a remote peer's leaf certificate. *cert.Verifier is one.
type Verifier interface {
	Verify(der []byte, remote peer.ID) (cert.Member, error)
}

// Config configures a Gate.
type Config struct {
	// Protocol is the certificate exchange protocol, <prefix>/cert/1.0.0.
	Protocol protocol.ID
	// Verifier judges remote certificates.
	Verifier Verifier
	// Cert returns this party's current leaf certificate (DER). It is called
	// for every exchange, so a renewed certificate is used at once.
	Cert func() []byte
	// Denied reports whether a peer is revoked by the network CA or blocked by
	// the operator; nil means none is. Every verdict is read through it, so a
	// revocation takes effect the moment Denied reports it, whatever the
	// state of exchanges under way. It is called with the gate's lock held
	// and must not call the Gate.
	Denied func(peer.ID) bool
	// Now is the clock verdicts expire by (a verdict ends with the member
	// certificate's NotAfter); nil means time.Now.
	Now func() time.Time
	// Timeout bounds an exchange and a wait for a verdict.
	Timeout time.Duration
	// Grace is how long a peer that does not speak the certificate protocol
	// stays connected (to enrol) before the gate hangs up: 0 means the
	// default, 3×Timeout; a negative Grace hangs up at once. Only a party
	// that serves enrolment (the coordinator) has a reason to keep such a
	// peer.
	Grace time.Duration
	// MaxPending bounds the peers connected without a verified verdict
	// (exchange under way, or refused and within Grace); over it the
	// gater refuses new inbound peers it has no verdict for. Default 256.
	MaxPending int
	// OnDrop, if set, is called after the gate forgets a peer: refused,
	// revoked, blocked, or gone with no verdict that holds (its certificate
	// expired, or it left before it was verified). A verified peer that
	// disconnects is not forgotten. Nothing may keep treating a forgotten
	// peer as a member (the node evicts it from the routing table). It runs
	// on the goroutine that forgot the peer.
	OnDrop func(peer.ID)
	// OnRefuse, if set, is told each refusal by its reason: "denied",
	// "no_certificate" and "bad_certificate" (a verdict), "backoff" and
	// "pending_full" (a connection the gater refused). For metrics; it
	// must return quickly and not call the Gate.
	OnRefuse func(reason string)
	// Logger receives verdicts; nil discards them.
	Logger *slog.Logger
}

// Gate tracks which peers are verified members. Use New, then
// pass it to libp2p.ConnectionGater, then Attach the host and Run it.
type Gate struct {
	cfg Config
	log *slog.Logger

	h     host.Host
	emit  event.Emitter
	ctx   context.Context // set by Run; exchanges stop with it
	ready chan struct{}   // closed when Run has set ctx

	backoff *backoff
	rlog    *ratelog.Logger // refusals a remote can cause at will

	mu    sync.Mutex
	peers map[peer.ID]*verdict
}

// verdict is the state of one peer. done closes once member or err is set.
type verdict struct {
	done     chan struct{}
	member   cert.Member
	err      error
	started  bool // our own exchange was started on the current connection
	finished bool
	// recheck marks a verified peer whose connections all closed: the
	// verdict holds, and the next connection's exchange checks it again.
	recheck bool
	// gen counts the rounds of waiting for the peer to open the exchange,
	// so that a late timer of an earlier round does nothing.
	gen int
}

// needsExchange reports whether our side of the exchange is due: no
// verdict yet, or one from an earlier connection, and none under way.
func (v *verdict) needsExchange() bool { return !v.started && (!v.finished || v.recheck) }

// New returns a Gate. It does nothing until Attach and Run.
func New(cfg Config) (*Gate, error) {
	if cfg.Protocol == "" || cfg.Verifier == nil || cfg.Cert == nil {
		return nil, errors.New("gate: Protocol, Verifier and Cert are required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Grace == 0 {
		cfg.Grace = 3 * cfg.Timeout
	}
	if cfg.MaxPending <= 0 {
		cfg.MaxPending = 256
	}
	if cfg.Denied == nil {
		cfg.Denied = func(peer.ID) bool { return false }
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Gate{
		cfg: cfg, log: log, ready: make(chan struct{}), peers: map[peer.ID]*verdict{},
		backoff: newBackoff(cfg.Now),
		rlog:    ratelog.New(log, logEvery, cfg.Now),
	}, nil
}

// Attach binds the gate to its host: it registers the certificate protocol
// and the emitter used to re-offer verified peers. Call it once, before Run.
// No verdict is settled before Run: exchanges started or served earlier
// wait for it.
func (g *Gate) Attach(h host.Host) error {
	em, err := h.EventBus().Emitter(new(event.EvtPeerProtocolsUpdated))
	if err != nil {
		return fmt.Errorf("gate: %w", err)
	}
	g.h, g.emit = h, em
	h.SetStreamHandler(g.cfg.Protocol, g.handle)
	return nil
}

// pruneEvery is how often Run forgets disconnected peers whose verdict has
// expired, and back-off records that have run out.
const pruneEvery = time.Minute

// logEvery is the least time between two log records of one kind of
// refusal; the ones between are counted.
const logEvery = 10 * time.Second

// Run starts an exchange with every peer that connects (and again with
// each that completes identify on a new connection), keeps the verdicts of
// verified peers that disconnect and forgets the others, until ctx is
// cancelled.
func (g *Gate) Run(ctx context.Context) error {
	sub, err := g.h.EventBus().Subscribe([]any{
		new(event.EvtPeerIdentificationCompleted),
		new(event.EvtPeerConnectednessChanged),
	})
	if err != nil {
		return fmt.Errorf("gate: %w", err)
	}
	defer sub.Close()
	defer g.emit.Close()
	defer g.h.RemoveStreamHandler(g.cfg.Protocol)
	g.ctx = ctx
	close(g.ready)
	// Peers that connected before Run are judged too.
	for _, p := range g.h.Network().Peers() {
		g.start(p)
	}
	prune := time.NewTicker(pruneEvery)
	defer prune.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-prune.C:
			g.pruneExpired()
			g.backoff.prune()
		case e, ok := <-sub.Out():
			if !ok {
				return nil
			}
			switch e := e.(type) {
			case event.EvtPeerIdentificationCompleted:
				g.restartRefused(e.Peer)
				g.start(e.Peer)
				g.identified(e)
			case event.EvtPeerConnectednessChanged:
				if e.Connectedness == network.Connected {
					// Not only after identify: a peer that never
					// completes it must meet the exchange's deadline too.
					g.start(e.Peer)
				} else {
					g.disconnected(e.Peer)
				}
			}
		}
	}
}

// Verified returns the member record of a verified peer, connected or not,
// that is not denied and whose certificate has not expired.
func (g *Gate) Verified(p peer.ID) (cert.Member, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	v := g.peers[p]
	if v == nil || !v.finished {
		return cert.Member{}, false
	}
	m, err := g.current(p, v)
	return m, err == nil
}

// Members returns the peers Verified reports.
func (g *Gate) Members() []cert.Member {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []cert.Member
	for p, v := range g.peers {
		if !v.finished {
			continue
		}
		if m, err := g.current(p, v); err == nil {
			out = append(out, m)
		}
	}
	return out
}

// current judges p's finished verdict v as of now. A successful exchange
// is not enough: the peer may have been revoked or blocked since (or while
// the exchange ran), or its certificate may have expired, and no verdict
// may outlast either. Callers hold g.mu.
func (g *Gate) current(p peer.ID, v *verdict) (cert.Member, error) {
	switch {
	case v.err != nil:
		return cert.Member{}, v.err
	case g.cfg.Denied(p):
		return cert.Member{}, fmt.Errorf("%w: %s", ErrDenied, p)
	case g.expired(v):
		return cert.Member{}, fmt.Errorf("%w: %s: certificate expired at %s", ErrNotVerified, p, v.member.NotAfter)
	}
	return v.member, nil
}

// expired reports whether v verified a certificate that has expired since.
// Callers hold g.mu.
func (g *Gate) expired(v *verdict) bool {
	return v.finished && v.err == nil && !g.cfg.Now().Before(v.member.NotAfter)
}

// Wait returns p's verdict, starting an exchange if none is under way and
// waiting for it until ctx ends or the gate's timeout passes.
func (g *Gate) Wait(ctx context.Context, p peer.ID) (cert.Member, error) {
	if g.h.Network().Connectedness(p) != network.Connected {
		return cert.Member{}, fmt.Errorf("%w: %s", ErrNotConnected, p)
	}
	v := g.start(p)
	ctx, cancel := context.WithTimeout(ctx, g.cfg.Timeout)
	defer cancel()
	select {
	case <-v.done:
	case <-ctx.Done():
		return cert.Member{}, fmt.Errorf("%w: %s: waiting for its certificate: %v", ErrNotVerified, p, ctx.Err())
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.current(p, v)
}

// DropDenied closes the connections of every peer that is now denied and
// forgets its verdict, connected or not; call it when the CRL or the block
// list changes.
func (g *Gate) DropDenied() {
	peers := g.h.Network().Peers()
	g.mu.Lock()
	for p := range g.peers {
		peers = append(peers, p)
	}
	g.mu.Unlock()
	for _, p := range peers {
		if g.cfg.Denied(p) {
			g.reject(p, fmt.Errorf("%w: %s", ErrDenied, p))
		}
	}
}

// state returns p's verdict record, making one if needed. Callers hold g.mu.
func (g *Gate) state(p peer.ID) *verdict {
	v := g.peers[p]
	if v == nil {
		v = &verdict{done: make(chan struct{})}
		g.peers[p] = v
	}
	return v
}

// restartRefused forgets a "no certificate protocol" verdict when a new
// connection is identified: the peer may have enrolled since (enrolment uses
// a short-lived host with the same identity).
func (g *Gate) restartRefused(p peer.ID) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if v := g.peers[p]; v != nil && v.finished && errors.Is(v.err, errNoExchange) {
		delete(g.peers, p)
	}
}

// start begins our side of the exchange with p unless it has begun or a
// verdict is in. A verdict from an earlier connection is checked again,
// while it goes on holding; a verdict on a certificate that has expired
// since is replaced by a new exchange: the peer has probably renewed it.
// Our side is to open the exchange if we dialled p, and else to wait for
// p to open it (doc.go: the dialer goes first).
func (g *Gate) start(p peer.ID) *verdict {
	g.mu.Lock()
	v := g.state(p)
	if g.expired(v) {
		v = &verdict{done: make(chan struct{})}
		g.peers[p] = v
	}
	run := v.needsExchange()
	v.started = true
	if run {
		v.gen++
	}
	gen := v.gen
	g.mu.Unlock()
	if run {
		if g.dialled(p) {
			go g.exchange(p)
		} else {
			time.AfterFunc(g.cfg.Timeout, func() { g.overdue(p, v, gen) })
		}
	}
	return v
}

// dialled reports whether one of our connections to p is outbound.
func (g *Gate) dialled(p peer.ID) bool {
	for _, c := range g.h.Network().ConnsToPeer(p) {
		if c.Stat().Direction == network.DirOutbound {
			return true
		}
	}
	return false
}

// pending counts the peers with a record but no verdict that admits them:
// exchange under way, or refused and still connected. Callers hold g.mu.
func (g *Gate) pendingLocked() int {
	n := 0
	for _, v := range g.peers {
		if !v.finished || v.err != nil {
			n++
		}
	}
	return n
}

// settle records a verdict for p once; later verdicts are ignored unless
// they reject a peer that was verified (a revocation). A success is
// recorded as a refusal if p is denied by now: its exchange may have begun
// before the revocation and ended after DropDenied and forget, and a
// verified record must not appear after them.
func (g *Gate) settle(p peer.ID, m cert.Member, err error) {
	g.mu.Lock()
	denied := err == nil && g.cfg.Denied(p)
	if denied {
		m, err = cert.Member{}, fmt.Errorf("%w: %s", ErrDenied, p)
	}
	v := g.state(p)
	first := !v.finished
	switch {
	case first:
		v.member, v.err, v.finished = m, err, true
		// An exchange that ends after the connection closed leaves a
		// verdict like one kept by disconnected: the next connection
		// checks it again.
		v.recheck = err == nil && g.h.Network().Connectedness(p) != network.Connected
		close(v.done)
	case err != nil && v.err == nil:
		v.member, v.err = cert.Member{}, err
	case err == nil && v.err == nil:
		// A new connection's check confirms the verdict, perhaps with a
		// renewed certificate.
		v.member, v.recheck = m, false
	case err == nil && errors.Is(v.err, errNoExchange):
		// A newcomer that enrolled (no certificate then) now shows one.
		v.member, v.err, first = m, nil, true
	}
	g.mu.Unlock()
	if denied {
		// DropDenied may have run already and would not see this
		// connection: close it here.
		_ = g.h.Network().ClosePeer(p)
		g.forget(p)
	}
	if !first {
		return
	}
	if err != nil {
		g.rlog.Log(context.Background(), slog.LevelInfo, refusalKind(err), "peer refused", "peer", p, "err", err)
		g.refused(refusalReason(err))
		return
	}
	g.backoff.clear(p)
	g.log.Debug("peer verified", "peer", p, "role", m.Role)
	g.Reoffer(p)
}

// Reoffer tells the DHT and pubsub to consider p again: they re-check a
// peer on this event, and their filters now pass for a verified one.
func (g *Gate) Reoffer(p peer.ID) {
	_ = g.emit.Emit(event.EvtPeerProtocolsUpdated{Peer: p})
}

// reject settles p as refused, closes its connections and forgets it: the
// verdict must not outlive the connections it judged (when they were already
// gone, no disconnect event would clear it), or the peer's next connection
// would meet a stale refusal after it was unblocked.
func (g *Gate) reject(p peer.ID, err error) {
	g.settle(p, cert.Member{}, err)
	g.hangUp(p)
}

// hangUp closes p's connections, forgets it and starts or lengthens its
// back-off: the gater keeps it away for a while.
func (g *Gate) hangUp(p peer.ID) {
	if d := g.backoff.refuse(p); d > 0 {
		g.rlog.Log(context.Background(), slog.LevelInfo, "backoff", "refused peer kept away", "peer", p, "for", d)
	}
	_ = g.h.Network().ClosePeer(p)
	g.forget(p)
}

// refused tells Config.OnRefuse of a refusal.
func (g *Gate) refused(reason string) {
	if g.cfg.OnRefuse != nil {
		g.cfg.OnRefuse(reason)
	}
}

// refusalReason is refusalKind as a metric label.
func refusalReason(err error) string { return strings.ReplaceAll(refusalKind(err), " ", "_") }

// refusalKind names the kind of a refusal for the rate-limited log.
func refusalKind(err error) string {
	switch {
	case errors.Is(err, ErrDenied):
		return "denied"
	case errors.Is(err, errNoExchange):
		return "no certificate"
	}
	return "bad certificate"
}

// disconnected keeps the verdict of a verified peer whose last connection
// closed, to be checked again on its next connection; the routing table
// holds peers without connections. Any other record is forgotten.
func (g *Gate) disconnected(p peer.ID) {
	g.mu.Lock()
	v := g.peers[p]
	keep := v != nil && v.finished
	if keep {
		_, err := g.current(p, v)
		keep = err == nil
	}
	if keep {
		v.started, v.recheck = false, true
	}
	g.mu.Unlock()
	if !keep {
		g.forget(p)
	}
}

// pruneExpired forgets disconnected peers whose verdict has expired: the
// records of peers that never come back would pile up, and OnDrop evicts
// them from the routing table at once. A connected peer's expired verdict
// is replaced when it is next asked for (start).
func (g *Gate) pruneExpired() {
	var gone []peer.ID
	g.mu.Lock()
	for p, v := range g.peers {
		if v.recheck && g.expired(v) && g.h.Network().Connectedness(p) != network.Connected {
			delete(g.peers, p)
			gone = append(gone, p)
		}
	}
	g.mu.Unlock()
	if g.cfg.OnDrop != nil {
		for _, p := range gone {
			g.cfg.OnDrop(p)
		}
	}
}

// forget drops the record of a refused or departed peer and tells OnDrop;
// its next connection is judged again.
func (g *Gate) forget(p peer.ID) {
	g.mu.Lock()
	v := g.peers[p]
	if v != nil {
		if !v.finished {
			v.err, v.finished = fmt.Errorf("%w: %s disconnected", ErrNotVerified, p), true
			close(v.done)
		}
		delete(g.peers, p)
	}
	g.mu.Unlock()
	if v != nil && g.cfg.OnDrop != nil {
		g.cfg.OnDrop(p)
	}
}

// Remember admits m.Peer as verified before any connection to it, on a
// certificate the caller has just verified (package cert: the CA, the CRL,
// the validity window, the key): a verdict of an earlier run of the same
// party, kept on disk. It is the verdict of a verified peer that
// disconnected, carried over a restart, and is treated as one: it holds
// until the certificate expires or the peer is denied, and the peer's next
// connection runs the exchange again (our certificate goes first, as on
// every connection we dial), whose failure refuses the peer and closes the
// connection. What it saves is the wait for the peer's answer before our
// first stream: that stream goes to the key TLS has just authenticated,
// which the remembered certificate binds to membership as the fresh one
// would. It reports whether the verdict was installed: not when p already
// has a record, is denied, or m has expired.
func (g *Gate) Remember(m cert.Member) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := m.Peer
	if g.peers[p] != nil || g.cfg.Denied(p) || !g.cfg.Now().Before(m.NotAfter) {
		return false
	}
	v := &verdict{done: make(chan struct{}), member: m, finished: true, recheck: true}
	close(v.done)
	g.peers[p] = v
	return true
}

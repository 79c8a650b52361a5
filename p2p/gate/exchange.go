package gate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/libp2p/go-libp2p/core/event"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"
	msmux "github.com/multiformats/go-multistream"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// exchange runs our side of the protocol with p, whom we dialled: send
// ours, judge theirs.
func (g *Gate) exchange(p peer.ID) {
	<-g.ready
	ctx, cancel := context.WithTimeout(g.ctx, g.cfg.Timeout)
	defer cancel()
	m, err := g.openExchange(ctx, p)
	switch {
	case errors.Is(err, errNoExchange):
		g.noExchange(p, err)
	case err != nil:
		g.reject(p, err)
	default:
		g.settle(p, m, nil)
	}
}

// errNoExchange marks a peer that does not speak the certificate protocol.
var errNoExchange = errors.New("does not speak the certificate protocol")

// noExchange refuses p, which does not speak the certificate protocol or
// did not open it in time. A newcomer without a certificate may still enrol
// (the one ungated protocol) where enrolment is served: the gate hangs up
// after Grace, or at once when Grace is negative.
func (g *Gate) noExchange(p peer.ID, err error) {
	g.settle(p, cert.Member{}, err)
	if g.cfg.Grace < 0 {
		g.hangUp(p)
		return
	}
	time.AfterFunc(g.cfg.Grace, func() {
		if _, ok := g.Verified(p); !ok {
			g.hangUp(p)
		}
	})
}

// identified refuses at once a peer that dialled us and whose identify
// does not list the certificate protocol: it will never open the exchange,
// and waiting Timeout for it would hold a connection for nothing.
func (g *Gate) identified(e event.EvtPeerIdentificationCompleted) {
	if slices.Contains(e.Protocols, g.cfg.Protocol) || g.dialled(e.Peer) {
		return
	}
	g.mu.Lock()
	v := g.peers[e.Peer]
	waiting := v != nil && !v.finished
	g.mu.Unlock()
	if waiting {
		g.noExchange(e.Peer, fmt.Errorf("%w: %s: %w", ErrNotVerified, e.Peer, errNoExchange))
	}
}

// overdue runs Timeout after we began to wait for p, who dialled us, to
// open the exchange (round gen of v). If p has not, it is refused: one
// without a verdict as a peer that does not speak the protocol, a verified
// one back on a new connection as a peer that did not show its certificate
// again.
func (g *Gate) overdue(p peer.ID, v *verdict, gen int) {
	if g.h.Network().Connectedness(p) != network.Connected {
		return
	}
	g.mu.Lock()
	current := g.peers[p] == v && v.gen == gen && v.started
	unjudged, unconfirmed := current && !v.finished, current && v.finished && v.err == nil && v.recheck
	g.mu.Unlock()
	switch {
	case unjudged:
		g.noExchange(p, fmt.Errorf("%w: %s: did not open the certificate exchange within %s: %w", ErrNotVerified, p, g.cfg.Timeout, errNoExchange))
	case unconfirmed:
		g.reject(p, fmt.Errorf("%w: %s: did not show its certificate again within %s", ErrNotVerified, p, g.cfg.Timeout))
	}
}

func (g *Gate) openExchange(ctx context.Context, p peer.ID) (cert.Member, error) {
	s, err := g.h.NewStream(network.WithNoDial(ctx, "certificate exchange"), p, g.cfg.Protocol)
	if errors.As(err, new(msmux.ErrNotSupported[protocol.ID])) {
		return cert.Member{}, fmt.Errorf("%w: %s: %w", ErrNotVerified, p, errNoExchange)
	}
	if err != nil {
		return cert.Member{}, fmt.Errorf("%w: %s: certificate exchange: %v", ErrNotVerified, p, err)
	}
	defer s.Close()
	deadline, _ := ctx.Deadline()
	_ = s.SetDeadline(deadline)
	if err := msgio.NewVarintWriter(s).WriteMsg(encodeChain([][]byte{g.cfg.Cert()})); err != nil {
		s.Reset()
		return cert.Member{}, fmt.Errorf("%w: %s: send certificate: %v", ErrNotVerified, p, err)
	}
	m, err := g.readAndVerify(s)
	if err != nil {
		s.Reset()
	}
	return m, err
}

// handle serves the exchange a peer that dialled us opened: judge theirs,
// and only if it holds send ours, so that nothing of ours (role, payout
// address) reaches a peer that has not proven itself.
func (g *Gate) handle(s network.Stream) {
	// The gate judges no one before Run, so that its owner can finish
	// wiring what verdicts reach (the node sets the routing table's
	// callbacks after Attach) without racing with them.
	t := time.NewTimer(g.cfg.Timeout)
	defer t.Stop()
	select {
	case <-g.ready:
	case <-t.C:
		s.Reset()
		return
	}
	p := s.Conn().RemotePeer()
	_ = s.SetDeadline(time.Now().Add(g.cfg.Timeout))
	m, err := g.readAndVerify(s)
	if err != nil {
		s.Reset()
		g.reject(p, err)
		return
	}
	if err := msgio.NewVarintWriter(s).WriteMsg(encodeChain([][]byte{g.cfg.Cert()})); err != nil {
		s.Reset()
		return // our side is at fault or the peer left; do not judge them
	}
	s.Close()
	g.settle(p, m, nil)
}

func (g *Gate) readAndVerify(s network.Stream) (cert.Member, error) {
	p := s.Conn().RemotePeer()
	// Not closed: closing a msgio reader closes the stream under it.
	b, err := msgio.NewVarintReaderSize(s, MaxMessage).ReadMsg()
	if err != nil {
		return cert.Member{}, fmt.Errorf("%w: %s: read certificate: %v", ErrNotVerified, p, err)
	}
	chain, err := decodeChain(b) // chain aliases b: do not release it
	if err != nil {
		return cert.Member{}, fmt.Errorf("%w: %s: %v", ErrNotVerified, p, err)
	}
	if g.cfg.Denied(p) {
		return cert.Member{}, fmt.Errorf("%w: %s", ErrDenied, p)
	}
	m, err := g.cfg.Verifier.Verify(chain[0], p)
	if err != nil {
		return cert.Member{}, fmt.Errorf("%w: %s: %w", ErrNotVerified, p, err)
	}
	return m, nil
}

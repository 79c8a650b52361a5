package standing

import (
	"context"
	"errors"
	"fmt"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
	"github.com/libp2p/go-msgio"
)

// ErrRefused means the coordinator refused the request; the message says
// why (a node that asks for another node's statement, a node never seen).
var ErrRefused = errors.New("refused by the coordinator")

// Ask sends req to the coordinator coord over h (which must hold a
// verified connection to it, or an address to make one) and returns its
// answer. A refusal is returned as the Response and ErrRefused.
func Ask(ctx context.Context, h host.Host, coord peer.ID, pid protocol.ID, req Request) (*Response, error) {
	s, err := h.NewStream(ctx, coord, pid)
	if err != nil {
		return nil, fmt.Errorf("ask the coordinator %s: %w", coord, err)
	}
	defer s.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = s.SetDeadline(d)
	}
	if err := msgio.NewVarintWriter(s).WriteMsg(req.marshal()); err != nil {
		s.Reset()
		return nil, fmt.Errorf("ask the coordinator %s: %w", coord, err)
	}
	b, err := msgio.NewVarintReaderSize(s, MaxResponse).ReadMsg()
	if err != nil {
		s.Reset()
		return nil, fmt.Errorf("ask the coordinator %s: %w", coord, err)
	}
	var resp Response
	if err := resp.unmarshal(b); err != nil {
		return nil, err
	}
	if resp.Error != "" {
		what := req.Op.String()
		if req.Peer != "" {
			what += " of " + req.Peer.String()
		}
		return &resp, fmt.Errorf("%s: %w: %s", what, ErrRefused, resp.Error)
	}
	return &resp, nil
}

// Standings is a STANDINGS answer by peer.
type Standings struct {
	Epoch     uint64
	ByPeer    map[peer.ID]Entry
	Truncated bool
}

// State returns p's state; a node the answer does not list is vetted in
// good standing, or not known to the coordinator yet.
func (s *Standings) State(p peer.ID) State {
	if s == nil {
		return Vetted
	}
	if e, ok := s.ByPeer[p]; ok {
		return e.State
	}
	return Vetted
}

// Fetch asks for the standings.
func Fetch(ctx context.Context, h host.Host, coord peer.ID, pid protocol.ID) (*Standings, error) {
	resp, err := Ask(ctx, h, coord, pid, Request{Op: OpStandings})
	if err != nil {
		return nil, err
	}
	s := &Standings{Epoch: resp.Epoch, ByPeer: make(map[peer.ID]Entry, len(resp.Entries)), Truncated: resp.Truncated}
	for _, e := range resp.Entries {
		s.ByPeer[e.Peer] = e
	}
	return s, nil
}

// Beacon asks for the coordinator's current beacon and returns it as the
// coordinator signed and gossiped it, unverified: the caller verifies it
// (proof.VerifyBeacon) as it would a gossiped one.
func Beacon(ctx context.Context, h host.Host, coord peer.ID, pid protocol.ID) ([]byte, error) {
	resp, err := Ask(ctx, h, coord, pid, Request{Op: OpBeacon})
	if err != nil {
		return nil, err
	}
	if len(resp.Beacon) == 0 {
		return nil, fmt.Errorf("%w: a BEACON answer without a beacon", ErrBadMessage)
	}
	return resp.Beacon, nil
}

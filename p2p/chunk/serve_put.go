package chunk

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/store"
)

// put judges the order, then lets the store pull the body: the go-ahead
// goes out on the store's first read, i.e. only once the store has found
// room for the chunk, so every refusal comes before a byte of body.
func (s *Service) put(ctx context.Context, str network.Stream, remote peer.ID, req *request) error {
	o, err := s.checkOrder(req)
	if err != nil {
		return err
	}
	release, ok := s.limits.reserve(remote, o.Size)
	if !ok {
		return fmt.Errorf("%w: %d bytes in flight", ErrBusy, s.cfg.MaxBytesPerPeer)
	}
	defer release()
	id := req.Chunk // o covers it (checkOrder)
	switch info, err := s.cfg.Store.Stat(ctx, id); {
	case err == nil:
		if err := s.have(ctx, str, o.Client, info); err != nil {
			return err
		}
		s.putBy.note(id, remote)
		return nil
	case !store.IsNotFound(err): // a quarantined chunk may be put again
		return err
	}
	end, _ := ctx.Deadline()
	pace := &paced{str: str, rate: s.cfg.MinRate, slack: s.cfg.RateSlack, end: end}
	body := &goAhead{str: str, r: io.LimitReader(pace, o.Size)}
	err = s.cfg.Store.Put(ctx, id, o.Size, body, o.Marshal())
	if errors.Is(err, store.ErrExists) && !body.started { // a concurrent PUT won
		info, serr := s.cfg.Store.Stat(ctx, id)
		if serr != nil {
			return serr
		}
		return s.have(ctx, str, o.Client, info)
	}
	if err != nil {
		if body.werr != nil {
			return fmt.Errorf("%w: send go-ahead: %v", errAborted, body.werr)
		}
		if pace.slow != nil {
			return fmt.Errorf("%w: %w", errAborted, pace.slow)
		}
		return err
	}
	s.putBy.note(id, remote)
	if s.cfg.OnStored != nil {
		s.cfg.OnStored(id)
	}
	rc := Receipt{Chunk: id, Size: o.Size, StoredAt: s.cfg.Now(), OrderHash: o.Hash()}
	return s.sendReceipt(ctx, str, codeOK, &rc, nil)
}

// checkOrder decodes the request's order and refuses one this node will
// not honour: badly signed, expired, not covering the announced chunk and
// size, or too large. The sender need not be the order's client (package
// doc, "Orders and receipts").
func (s *Service) checkOrder(req *request) (Order, error) {
	o, err := UnmarshalOrder(req.Order)
	if err != nil {
		return o, fmt.Errorf("%w: %v", ErrBadOrder, err)
	}
	if err := VerifyOrder(&o); err != nil {
		return o, err
	}
	switch {
	case !o.Expiry.After(s.cfg.Now()):
		return o, fmt.Errorf("%w: at %s", ErrOrderExpired, o.Expiry)
	case !o.Covers(req.Chunk) || o.Size != req.Size:
		return o, fmt.Errorf("%w: order for %s (%d bytes, %d in its stripe), request for %s (%d bytes)",
			ErrOrderMismatch, o.Chunk, o.Size, len(o.Stripe), req.Chunk, req.Size)
	case o.Size > s.cfg.MaxChunk:
		return o, fmt.Errorf("%w: %d bytes, at most %d", ErrTooLarge, o.Size, s.cfg.MaxChunk)
	}
	return o, nil
}

// have answers a PUT of a chunk already stored: with a receipt for the
// order the node holds if client (the new order's) signed it too, else
// ErrNotOwner.
func (s *Service) have(ctx context.Context, str network.Stream, client peer.ID, info store.Info) error {
	held, err := UnmarshalOrder(info.Meta)
	if err != nil || held.Client != client {
		return fmt.Errorf("%w: %s", ErrNotOwner, info.ID)
	}
	rc := Receipt{Chunk: info.ID, Size: info.Size, StoredAt: info.StoredAt, OrderHash: held.Hash()}
	return s.sendReceipt(ctx, str, codeHave, &rc, info.Meta)
}

// sendReceipt sends a PUT's final response: the signed receipt and, so the
// client need not ask, the room left.
func (s *Service) sendReceipt(ctx context.Context, str network.Stream, c code, rc *Receipt, order []byte) error {
	if err := SignReceipt(s.cfg.Key, rc); err != nil {
		return err
	}
	resp := &response{Status: c, Receipt: rc.Marshal(), Order: order}
	s.stateFree(ctx, resp)
	if err := writeResponse(str, resp); err != nil {
		return fmt.Errorf("%w: send receipt: %v", errAborted, err)
	}
	return nil
}

// goAhead is the body reader handed to the store. Its first Read sends the
// go-ahead; the client sends the body only after it.
type goAhead struct {
	str     network.Stream
	r       io.Reader
	started bool
	werr    error
}

func (g *goAhead) Read(p []byte) (int, error) {
	if !g.started {
		g.started = true
		if g.werr = writeResponse(g.str, &response{Status: codeContinue}); g.werr != nil {
			return 0, g.werr
		}
	}
	return g.r.Read(p)
}

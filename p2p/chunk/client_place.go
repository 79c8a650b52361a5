package chunk

import (
	"context"
	"fmt"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/placement"
)

// Place tells p, a holder of a member of rec's stripe, the stripe's
// placement, and returns the record p keeps after merging it. p refuses
// (ErrNotHolder) unless the caller is the client whose order it holds or
// a holder it knows of, or just put a member there; store.ErrNotFound if
// p holds no member.
func (c Client) Place(ctx context.Context, h host.Host, p peer.ID, rec *placement.Record) (placement.Record, error) {
	req := &request{Op: opPlace, Place: rec.Marshal()}
	return c.exchangePlacement(ctx, h, p, req)
}

// Placement asks p for the placement record of the stripe of chunk id,
// which p holds; store.ErrNotFound if it holds no such chunk or keeps no
// record of its stripe.
func (c Client) Placement(ctx context.Context, h host.Host, p peer.ID, id cid.Cid) (placement.Record, error) {
	return c.exchangePlacement(ctx, h, p, &request{Op: opPlacement, Chunk: id})
}

func (c Client) exchangePlacement(ctx context.Context, h host.Host, p peer.ID, req *request) (placement.Record, error) {
	x, err := c.open(ctx, h, p, req)
	if err != nil {
		return placement.Record{}, err
	}
	defer x.done()
	resp, err := x.response()
	if err == nil && resp.Status != codeOK {
		err = fmt.Errorf("%w: %v answered status %d", ErrBadMessage, req.Op, resp.Status)
	}
	if err != nil {
		return placement.Record{}, x.fail(req, p, err)
	}
	rec, err := placement.Unmarshal(resp.Place)
	if err != nil {
		return placement.Record{}, x.fail(req, p, fmt.Errorf("%w: %v", ErrBadMessage, err))
	}
	return rec, nil
}

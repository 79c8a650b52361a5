package chunk

import (
	"context"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
)

// PutResult is the outcome of an Upload.
type PutResult struct {
	// Receipt is the node's verified receipt.
	Receipt Receipt
	// AlreadyStored means the node already held the chunk under an order
	// of this client and no body byte was sent; Receipt.OrderHash then
	// names that order, Held.
	AlreadyStored bool
	// Held is the order the node holds the chunk under.
	Held Order
	// Free is the room the node says it has left after the PUT, or -1 if
	// it does not say (a store without a limit, or an older node).
	Free int64
}

// Put stores a chunk on p under the signed order o, reading exactly o.Size
// bytes from r, and returns p's verified receipt. See Upload.
func (c Client) Put(ctx context.Context, h host.Host, p peer.ID, o Order, r io.Reader) (Receipt, error) {
	res, err := c.Upload(ctx, h, p, o, r)
	return res.Receipt, err
}

// Upload is Put that also reports whether the node already had the chunk.
// The header goes first; r is read only after p has accepted the order and
// found room, so a refusal (bad order, quota, chunk held for another
// client) costs no body bytes, and neither does a chunk p already holds.
// A refusal for want of room (store.ErrNoSpace) is a *RemoteError whose
// Free says what room p has left, when p says.
// The bytes are not hashed here: p hashes them and refuses a mismatch
// (store.ErrMismatch), keeping nothing.
func (c Client) Upload(ctx context.Context, h host.Host, p peer.ID, o Order, r io.Reader) (PutResult, error) {
	return c.UploadShard(ctx, h, p, o, o.Chunk, r)
}

// UploadShard is Upload of chunk id, a shard of o's stripe (o.Covers(id)),
// which need not be o's own chunk; the sender need not be o's client
// either. A repairer places a rebuilt shard with it, under the order it
// holds for its own shard of the stripe.
func (c Client) UploadShard(ctx context.Context, h host.Host, p peer.ID, o Order, id cid.Cid, r io.Reader) (PutResult, error) {
	if !o.Covers(id) {
		return PutResult{}, fmt.Errorf("%w: the order for %s does not cover %s", ErrOrderMismatch, o.Chunk, id)
	}
	req := &request{Op: opPut, Chunk: id, Size: o.Size, Order: o.Marshal()}
	x, err := c.open(ctx, h, p, req)
	if err != nil {
		return PutResult{}, err
	}
	res, err := x.put(req, &o, r)
	if err != nil {
		x.abort()
		return PutResult{}, x.fail(req, p, err)
	}
	x.done()
	if err := checkReceipt(&res, &o, id, p); err != nil {
		return PutResult{}, x.fail(req, p, err)
	}
	return res, nil
}

func (x *exchange) put(req *request, o *Order, r io.Reader) (PutResult, error) {
	resp, err := x.response()
	if err != nil {
		return PutResult{}, err
	}
	if resp.Status == codeContinue {
		if _, err := copyN(x.str, r, o.Size); err != nil {
			if err == io.ErrUnexpectedEOF {
				return PutResult{}, fmt.Errorf("%w: %v", ErrShortBody, err)
			}
			// The node may have stopped reading to refuse: its reason
			// beats a broken pipe.
			if _, rerr := x.response(); rerr != nil {
				return PutResult{}, rerr
			}
			return PutResult{}, err
		}
		if err := x.str.CloseWrite(); err != nil {
			return PutResult{}, err
		}
		if resp, err = x.response(); err != nil {
			return PutResult{}, err
		}
	}
	return putResult(&resp, o)
}

func putResult(resp *response, o *Order) (PutResult, error) {
	res := PutResult{Free: resp.free()}
	switch resp.Status {
	case codeOK:
		res.Held = *o
	case codeHave:
		held, err := UnmarshalOrder(resp.Order)
		if err != nil {
			return res, err
		}
		res.Held, res.AlreadyStored = held, true
	default:
		return res, fmt.Errorf("%w: PUT answered status %d", ErrBadMessage, resp.Status)
	}
	rc, err := UnmarshalReceipt(resp.Receipt)
	if err != nil {
		return res, fmt.Errorf("%w: %v", ErrBadReceipt, err)
	}
	res.Receipt = rc
	return res, nil
}

// checkReceipt checks that the receipt is signed by p and acknowledges
// chunk id under the order p says it holds, which o's client signed and
// which covers id.
func checkReceipt(res *PutResult, o *Order, id cid.Cid, p peer.ID) error {
	rc := &res.Receipt
	if err := VerifyReceipt(rc); err != nil {
		return err
	}
	switch {
	case rc.Node != p:
		return fmt.Errorf("%w: signed by %s, not %s", ErrBadReceipt, rc.Node, p)
	case !rc.Chunk.Equals(id) || rc.Size != o.Size:
		return fmt.Errorf("%w: for %s (%d bytes)", ErrBadReceipt, rc.Chunk, rc.Size)
	case res.Held.Client != o.Client || !res.Held.Covers(id) || rc.OrderHash != res.Held.Hash():
		return fmt.Errorf("%w: not for an order of %s", ErrBadReceipt, o.Client)
	}
	return nil
}

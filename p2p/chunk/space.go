package chunk

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
)

// Space is what a node says of its room for chunks. It is advice, not a
// promise: other PUTs may take the room before the caller's arrives, and
// the node judges each PUT on its own.
type Space struct {
	// Free is how many bytes the node can still take (chunk files with
	// their headers); -1 means it has no limit.
	Free int64
	// Capacity is the node's limit; 0 means none.
	Capacity int64
}

// Fits reports whether n more bytes fit.
func (s Space) Fits(n int64) bool { return s.Free < 0 || n <= s.Free }

// Space asks p how much room it has left. A node that predates the
// operation answers ErrBadMessage.
func (c Client) Space(ctx context.Context, h host.Host, p peer.ID) (Space, error) {
	req := &request{Op: opSpace}
	x, err := c.open(ctx, h, p, req)
	if err != nil {
		return Space{}, err
	}
	defer x.done()
	resp, err := x.response()
	if err == nil && resp.Status != codeOK {
		err = fmt.Errorf("%w: SPACE answered status %d", ErrBadMessage, resp.Status)
	}
	if err != nil {
		return Space{}, x.fail(req, p, err)
	}
	return Space{Free: resp.free(), Capacity: resp.Capacity}, nil
}

// space answers SPACE from the store's usage.
func (s *Service) space(ctx context.Context, str network.Stream) error {
	u, err := s.cfg.Store.Usage(ctx)
	if err != nil {
		return err
	}
	resp := &response{Status: codeOK, Capacity: min(u.Capacity, maxInt)}
	resp.stateFree(u)
	if err := writeResponse(str, resp); err != nil {
		return fmt.Errorf("%w: %v", errAborted, err)
	}
	return nil
}

// stateFree adds the store's free bytes to a PUT's final response. It is
// a courtesy: a store that cannot say leaves the response as it is.
func (s *Service) stateFree(ctx context.Context, resp *response) {
	u, err := s.cfg.Store.Usage(ctx)
	if err != nil {
		s.log.Debug("usage for a PUT response", "err", err)
		return
	}
	resp.stateFree(u)
}

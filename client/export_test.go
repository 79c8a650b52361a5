package client

import (
	"context"

	"github.com/libp2p/go-libp2p/core/peer"
)

// Candidates exposes the placement candidates to the external tests.
func (c *Client) Candidates(ctx context.Context, key string, need int, size int64) ([]peer.ID, error) {
	return c.candidates(ctx, key, need, size, nil)
}

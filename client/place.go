package client

import (
	"context"
	"fmt"

	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/scatterbytes/scatterbytes/p2p/cert"
)

// candidates returns storage nodes for a stripe or chunk keyed by key, in
// DHT distance order: at least need of them, or ErrNotEnoughNodes. The
// client itself, the coordinator and verified peers of another role are left
// out; so is every peer in exclude.
func (c *Client) candidates(ctx context.Context, key string, need int, exclude map[peer.ID]bool) ([]peer.ID, error) {
	if err := c.connected(ctx); err != nil {
		return nil, err
	}
	closest, err := c.node.DHT().GetClosestPeers(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("find storage nodes: %w", err)
	}
	coord := c.cfg.Profile.CoordinatorID()
	var out []peer.ID
	for _, p := range closest {
		if p == c.node.ID() || p == coord || exclude[p] {
			continue
		}
		if m, ok := c.node.Gate().Verified(p); ok && m.Role != cert.RoleNode {
			continue
		}
		out = append(out, p)
	}
	if len(out) < need {
		return out, fmt.Errorf("%w: %d found, %d needed", ErrNotEnoughNodes, len(out), need)
	}
	return out, nil
}

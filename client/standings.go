package client

import (
	"log/slog"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/shard"
	"github.com/scatterbytes/scatterbytes/p2p/standing"
)

// standingsOf returns where placement learns the nodes' standings: the
// profile's coordinator, asked at most once per epoch; nil on a network
// whose profile names no coordinator or no epoch (placement then treats
// every node alike).
func standingsOf(n *node.Node, log *slog.Logger) shard.Standings {
	p := n.Profile()
	coord, epoch := p.CoordinatorID(), time.Duration(p.Epoch)
	if coord == "" || epoch <= 0 {
		return nil
	}
	return standing.NewCache(n.Host(), coord, p.Protocol("standing", "1.0.0"), epoch, log)
}

package standing

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"
	"github.com/libp2p/go-libp2p/core/protocol"
)

// fetchTimeout bounds one STANDINGS request made for placement.
const fetchTimeout = 5 * time.Second

// Cache holds the standings for placement, asked of the coordinator at
// most once per epoch. When the coordinator cannot be asked, Get returns
// the last standings it had (nil at first) and does not ask again before
// the next epoch; it logs the first failure and the recovery, not every
// one. Safe for concurrent use; concurrent Gets share one request.
type Cache struct {
	h     host.Host
	coord peer.ID
	pid   protocol.ID
	every time.Duration
	log   *slog.Logger
	now   func() time.Time

	mu      sync.Mutex
	cur     *Standings
	asked   time.Time
	failing bool
}

// NewCache returns a cache that asks coord over h every epoch. log may be
// nil.
func NewCache(h host.Host, coord peer.ID, pid protocol.ID, epoch time.Duration, log *slog.Logger) *Cache {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cache{h: h, coord: coord, pid: pid, every: epoch, log: log, now: time.Now}
}

// Get returns the standings, fetched anew when the last were asked an
// epoch ago or more. nil means none are known: place as if every node
// were in good standing.
func (c *Cache) Get(ctx context.Context) *Standings {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.asked.IsZero() && c.now().Sub(c.asked) < c.every {
		return c.cur
	}
	c.asked = c.now()
	ctx, cancel := context.WithTimeout(ctx, fetchTimeout)
	defer cancel()
	s, err := Fetch(ctx, c.h, c.coord, c.pid)
	switch {
	case err != nil && !c.failing:
		c.failing = true
		c.log.Warn("cannot ask the coordinator for the nodes' standings: placing without them until it answers", "coordinator", c.coord, "err", err)
	case err == nil && c.failing:
		c.failing = false
		c.log.Info("the coordinator answers with the nodes' standings again", "coordinator", c.coord)
	}
	if err == nil {
		c.cur = s
	}
	return c.cur
}

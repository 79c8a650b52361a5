package payments

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/scatterbytes/scatterbytes/payments/ledger"
)

// Scheduler runs payouts on a schedule inside the coordinator: every
// minute (or Interval, if shorter) it syncs the ledger with the Bitcoin
// node, so confirmations are recorded and an unsent payout is sent, and
// every Interval it makes a payout. A failure (the Bitcoin node down, too
// few funds) is logged and tried again next time; it never stops the
// coordinator.
type Scheduler struct {
	Payer *Payer
	Log   *slog.Logger // nil: the payer's
}

// Run runs until ctx ends, then returns nil.
func (s *Scheduler) Run(ctx context.Context) error {
	p := s.Payer
	log := s.Log
	if log == nil {
		log = p.log
	}
	tick := min(p.cfg.Interval, time.Minute)
	if tick <= 0 {
		return errors.New("payments: scheduler needs a positive interval")
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	var last time.Time
	for {
		if err := p.Sync(ctx); err != nil && ctx.Err() == nil {
			log.Warn("payout sync failed", "err", err)
		} else if time.Since(last) >= p.cfg.Interval {
			last = time.Now()
			po, err := p.Pay(ctx)
			switch {
			case err == nil:
				log.Info("scheduled payout", "payout", po.ID, "txid", po.Last().Txid, "nodes", len(po.Outputs), "sat", po.Total())
			case errors.Is(err, ErrNothingToPay), errors.Is(err, ledger.ErrOpenPayout):
				log.Debug("scheduled payout: nothing to do", "err", err)
			case ctx.Err() == nil:
				log.Warn("scheduled payout failed", "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

package payments

import (
	"fmt"
	"time"
)

// Config is how the coordinator pays. Start from DefaultConfig.
type Config struct {
	// FeeRate is the fee rate of a payout in sat/vB. There is no
	// estimation (regtest and signet have none worth the name): the
	// operator sets it, and bumps a payout that does not confirm.
	FeeRate int64
	// Threshold is the smallest balance paid, in satoshis; smaller ones
	// carry over to a later payout.
	Threshold int64
	// MaxFeeShare is the largest share of an output its own fee may take,
	// in percent: an output of a vbytes at FeeRate is left for later when
	// a × FeeRate exceeds MaxFeeShare% of it (Storj's rule: 25%).
	MaxFeeShare int64
	// MinConf is how many confirmations a block needs before it is
	// scanned: the coordinator's outputs and a payout's confirmation are
	// taken from blocks that deep. A reorganisation deeper than that is
	// not followed (Sync fails and says so).
	MinConf int32
	// Birth is the first block height scanned for the coordinator's
	// outputs: the height before its address was first funded.
	Birth int32
	// Interval is how often the Scheduler pays.
	Interval time.Duration
}

// DefaultConfig: 10 sat/vB, 10,000 sat threshold, 25% fee share, 3
// confirmations, scan from block 0, a payout a day.
func DefaultConfig() Config {
	return Config{FeeRate: 10, Threshold: 10_000, MaxFeeShare: 25, MinConf: 3, Interval: 24 * time.Hour}
}

// Validate reports the first bad setting.
func (c Config) Validate() error {
	switch {
	case c.FeeRate < 1 || c.FeeRate > 10_000:
		return fmt.Errorf("payments: fee rate %d sat/vB outside 1..10000", c.FeeRate)
	case c.Threshold < 330:
		return fmt.Errorf("payments: threshold %d sat is below the dust limit (330)", c.Threshold)
	case c.MaxFeeShare < 1 || c.MaxFeeShare > 100:
		return fmt.Errorf("payments: max fee share %d%% outside 1..100", c.MaxFeeShare)
	case c.MinConf < 1:
		return fmt.Errorf("payments: min confirmations %d, at least 1", c.MinConf)
	case c.Birth < 0:
		return fmt.Errorf("payments: birth height %d", c.Birth)
	}
	return nil
}

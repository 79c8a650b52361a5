package profile

import "errors"

// ErrBadProfile means a network profile is malformed or inconsistent.
var ErrBadProfile = errors.New("bad network profile")

// ErrNotLaunched means the built-in public network has no CA yet.
var ErrNotLaunched = errors.New("the public ScatterBytes network has not launched yet: " +
	"start a local one with `scatterbytes testnet up` and join it with --network FILE")

// ErrBadPayout means a payout address is malformed, not segwit, or for
// another Bitcoin chain than the network's.
var ErrBadPayout = errors.New("bad payout address")

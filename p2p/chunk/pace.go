package chunk

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/libp2p/go-libp2p/core/network"
)

// errTooSlow means a PUT body fell behind Config.MinRate.
var errTooSlow = errors.New("body arrived slower than the minimum rate")

// paced reads a PUT body from str and keeps moving the stream's read
// deadline so that the body must go on arriving at rate bytes a second,
// after slack: by time start+slack+n/rate the first n bytes must be in.
// A peer trickling a body (slowloris) is cut within slack of falling
// behind, instead of holding a stream slot, its byte budget and the
// store's space reservation for the whole Timeout. The clock starts at
// the first Read, i.e. when the go-ahead goes out. It never extends the
// stream's deadline past end.
type paced struct {
	str   network.Stream
	rate  int64
	slack time.Duration
	end   time.Time

	start time.Time
	n     int64
	slow  error // set once the peer fell behind: stores may wrap the error without %w
}

func (p *paced) Read(b []byte) (int, error) {
	now := time.Now()
	if p.start.IsZero() {
		p.start = now
	}
	due := p.start.Add(p.slack + time.Duration(float64(p.n+1)/float64(p.rate)*float64(time.Second)))
	paced := p.end.IsZero() || due.Before(p.end)
	if paced {
		_ = p.str.SetReadDeadline(due)
	} else {
		_ = p.str.SetReadDeadline(p.end)
	}
	n, err := p.str.Read(b)
	p.n += int64(n)
	if err != nil && paced && isTimeout(err) {
		p.slow = fmt.Errorf("%w: %d bytes in %s, at least %d B/s", errTooSlow, p.n, time.Since(p.start).Round(time.Millisecond), p.rate)
		return n, p.slow
	}
	return n, err
}

var _ io.Reader = (*paced)(nil)

// isTimeout reports whether err is a deadline passing (muxers report it
// as a net.Error with Timeout, not always as os.ErrDeadlineExceeded).
func isTimeout(err error) bool {
	var te interface{ Timeout() bool }
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &te) && te.Timeout())
}

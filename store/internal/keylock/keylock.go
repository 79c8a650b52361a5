// Package keylock serialises work per key: a Put and a Delete of the same
// chunk never overlap, while different chunks proceed in parallel.
package keylock

import (
	"context"
	"sync"
)

// Map holds one lock per key in use; the zero value is ready.
type Map struct {
	mu    sync.Mutex
	locks map[string]chan struct{}
}

// Lock waits until key is free or ctx is done, then holds it. The returned
// func releases it.
func (m *Map) Lock(ctx context.Context, key string) (unlock func(), err error) {
	for {
		m.mu.Lock()
		if m.locks == nil {
			m.locks = make(map[string]chan struct{})
		}
		held, busy := m.locks[key]
		if !busy {
			done := make(chan struct{})
			m.locks[key] = done
			m.mu.Unlock()
			return func() {
				m.mu.Lock()
				delete(m.locks, key)
				m.mu.Unlock()
				close(done)
			}, nil
		}
		m.mu.Unlock()
		select {
		case <-held:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

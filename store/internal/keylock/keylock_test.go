package keylock

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

func TestExclusivePerKey(t *testing.T) {
	var m Map
	var wg sync.WaitGroup
	counts := map[string]int{}
	var mu sync.Mutex
	inside := map[string]bool{}
	for i := range 40 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := []string{"a", "b"}[i%2]
			unlock, err := m.Lock(context.Background(), key)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			if inside[key] {
				t.Errorf("two holders of %q", key)
			}
			inside[key] = true
			counts[key]++
			mu.Unlock()
			mu.Lock()
			inside[key] = false
			mu.Unlock()
			unlock()
		}()
	}
	wg.Wait()
	if counts["a"] != 20 || counts["b"] != 20 {
		t.Fatalf("counts = %v", counts)
	}
}

func TestLockHonoursContext(t *testing.T) {
	var m Map
	unlock, _ := m.Lock(context.Background(), "k")
	defer unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := m.Lock(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Lock on a held key = %v, want deadline exceeded", err)
	}
}

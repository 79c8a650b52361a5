package coordinator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
)

func TestAPIServesStatusOnLoopbackOnly(t *testing.T) {
	dir := t.TempDir()
	if err := coordinator.Init(dir, "coord-test"); err != nil {
		t.Fatal(err)
	}
	p := newProfile(t, dir)
	_, stop := start(t, dir, p)
	// Run writes the file as it starts serving; wait for it.
	var addr []byte
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if err := wait.For(ctx, func() (err error) {
		addr, err = os.ReadFile(filepath.Join(dir, coordinator.APIAddrFile))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + strings.TrimSpace(string(addr)) + "/api/v1/status")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st coordinator.StatusView
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil || st.Network != "coord-test" {
		t.Fatalf("status %+v, %v", st, err)
	}
	stop()
	if _, err := os.Stat(filepath.Join(dir, coordinator.APIAddrFile)); !os.IsNotExist(err) {
		t.Fatalf("api.addr outlived the coordinator: %v", err)
	}

	cfg := coordinator.DefaultConfig(dir, p)
	cfg.API = "0.0.0.0:0"
	if _, err := coordinator.New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "not a loopback address") {
		t.Fatalf("a coordinator with its API on every interface: %v", err)
	}
}

package procnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ControlSocket is the supervisor's Unix socket in the testnet directory
// (the directory is 0700: only its owner reaches it). `testnet add` posts
// to /add there.
const ControlSocket = "control.sock"

// maxSocketPath is the longest Unix socket path Linux takes (sun_path is
// 108 bytes with the terminating NUL).
const maxSocketPath = 107

// Serve answers other processes on the control socket until ctx ends.
func (n *Net) Serve(ctx context.Context) error {
	path := filepath.Join(n.dir, ControlSocket)
	if len(path) > maxSocketPath {
		return fmt.Errorf("the control socket's path %s is %d bytes, over the %d a Unix socket allows: use a shorter --testnet-dir", path, len(path), maxSocketPath)
	}
	_ = os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	defer os.Remove(path)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add", func(w http.ResponseWriter, r *http.Request) {
		p, err := n.AddNode(r.Context())
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(p)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// RequestAdd asks the supervisor of the testnet in dir to start one more
// node, and returns it once the coordinator has its first proof.
func RequestAdd(ctx context.Context, dir string) (Proc, error) {
	path := filepath.Join(dir, ControlSocket)
	c := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout+10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://testnet/add", nil)
	if err != nil {
		return Proc{}, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return Proc{}, fmt.Errorf("no testnet supervisor answers on %s (is `scatterbytes testnet up --testnet-dir %s` running?): %w", path, dir, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1000))
		return Proc{}, fmt.Errorf("add a node: %s", strings.TrimSpace(string(msg)))
	}
	var p Proc
	err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&p)
	return p, err
}

package procnet

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
)

var apiClient = &http.Client{Timeout: 5 * time.Second}

// Standings asks the coordinator's JSON API for every node it has seen
// prove.
func (n *Net) Standings() ([]coordinator.NodeView, error) {
	var vs []coordinator.NodeView
	err := getJSON(n.api, "/api/v1/nodes", &vs)
	return vs, err
}

// StandingsOf asks the coordinator of the testnet in dir.
func StandingsOf(dir string) ([]coordinator.NodeView, error) {
	b, err := os.ReadFile(filepath.Join(dir, "coordinator", coordinator.APIAddrFile))
	if err != nil {
		return nil, fmt.Errorf("the coordinator is not running (%w)", err)
	}
	var vs []coordinator.NodeView
	err = getJSON(strings.TrimSpace(string(b)), "/api/v1/nodes", &vs)
	return vs, err
}

// CoordinatorStatus asks the coordinator of the testnet for its status.
func (n *Net) CoordinatorStatus() (coordinator.StatusView, error) {
	var v coordinator.StatusView
	err := getJSON(n.api, "/api/v1/status", &v)
	return v, err
}

func getJSON(api, path string, v any) error {
	resp, err := apiClient.Get("http://" + api + path)
	if err != nil {
		return fmt.Errorf("coordinator API: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("coordinator API %s: %s: %s", path, resp.Status, strings.TrimSpace(string(msg)))
	}
	return json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(v)
}

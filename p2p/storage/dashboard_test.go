package storage_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/scatterbytes/scatterbytes/client"
	"github.com/scatterbytes/scatterbytes/internal/harness/clienttest"
	"github.com/scatterbytes/scatterbytes/internal/harness/nettest"
	"github.com/scatterbytes/scatterbytes/internal/harness/testclient"
	"github.com/scatterbytes/scatterbytes/internal/harness/testnet"
	"github.com/scatterbytes/scatterbytes/internal/wait"
	"github.com/scatterbytes/scatterbytes/p2p/coordinator"
	"github.com/scatterbytes/scatterbytes/p2p/dash"
	"github.com/scatterbytes/scatterbytes/p2p/node"
	"github.com/scatterbytes/scatterbytes/p2p/storage"
)

// browser is the headless Chromium the dashboard test drives.
const browser = "/usr/bin/chromium-headless-shell"

// pageNumbers is what the test reads off the page.
type pageNumbers struct {
	Used     string         `json:"used"`
	UsedText string         `json:"usedText"`
	Chunks   string         `json:"chunks"`
	Capacity string         `json:"capacity"`
	Charts   map[string]int `json:"charts"`
}

// dashNetwork starts a network whose storage nodes serve a dashboard on
// addr, sampling every 200 ms.
func dashNetwork(t *testing.T, n int, addr string) *testnet.Network {
	t.Helper()
	o := testclient.WithCoordinator(testnet.Options{Nodes: n}, func(c *coordinator.Config) {
		c.Reputation.SuspendBelow, c.Reputation.ReinstateAbove = 0.001, 0.002
	})
	o.Storage = func(ctx context.Context, cfg node.Config, capacity int64) (testnet.Role, error) {
		return storage.New(ctx, cfg, storage.Config{Capacity: capacity, Logger: cfg.Logger,
			Dashboard: addr, SampleEvery: 200 * time.Millisecond})
	}
	return nettest.NewWith(t, o)
}

func TestDashboardShowsTheNodesNumbers(t *testing.T) {
	if _, err := exec.LookPath(browser); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing: .ci/run installs it (apt-get install chromium-headless-shell)", browser)
		}
		t.Skipf("no headless browser (%s): apt-get install chromium-headless-shell", browser)
	}
	net := dashNetwork(t, 3, "127.0.0.1:0")
	c := clienttest.New(t, net, nil)
	sn := storageNodes(t, net)[0]
	st := sn.Storage()

	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	data := make([]byte, 200<<10)
	rand.Read(data)
	if _, err := c.Put(ctx, bytes.NewReader(data), int64(len(data)), client.PutOptions{Name: "d", Redundancy: "1+2"}); err != nil {
		t.Fatal(err)
	}
	// Wait for a few samples after the put and a proof or two, so that
	// the charts have something to draw.
	err := wait.For(ctx, func() error {
		v, err := st.View(ctx)
		switch {
		case err != nil:
			return err
		case v.Disk.Chunks == 0:
			return fmt.Errorf("no chunk on node 0 yet")
		case len(v.History) < 4 || v.History[len(v.History)-1].Chunks != v.Disk.Chunks:
			return fmt.Errorf("%d samples", len(v.History))
		case v.Proofs.Passed < 2:
			return fmt.Errorf("%d proofs passed", v.Proofs.Passed)
		case v.Standing == nil:
			return fmt.Errorf("no standing: %s", v.StandingError)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.Store().Usage(ctx)
	if err != nil {
		t.Fatal(err)
	}

	actx, acancel := chromedp.NewExecAllocator(ctx, append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.WindowSize(1280, 1400))...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	if err := chromedp.Do(bctx, chromedp.Navigate(st.Dashboard().URL()), chromedp.WaitVisible("#disk-used")); err != nil {
		t.Fatal(err)
	}
	// What a person reads: each number's element carries its raw value,
	// and each chart is an inline SVG with its lines or bars.
	shown, err := chromedp.Run(bctx, chromedp.Evaluate[pageNumbers](`({
		used: document.querySelector("#disk-used").dataset.value,
		usedText: document.querySelector("#disk-used").textContent,
		chunks: document.querySelector("#chunks").dataset.value,
		capacity: document.querySelector("#disk-capacity").dataset.value,
		charts: Object.fromEntries([...document.querySelectorAll("svg.chart")].map(s => [s.id, s.querySelectorAll("polyline,rect.bar").length])),
	})`))
	if err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(t.TempDir(), "dashboard.png")
	if err := os.WriteFile(shot, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", shot)
	if dir := os.Getenv("SCATTERBYTES_ARTIFACTS"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "dashboard.png"), png, 0o644)
	}
	if shown.Used != strconv.FormatInt(u.Bytes, 10) || shown.Chunks != strconv.FormatInt(u.Chunks, 10) ||
		shown.Capacity != strconv.FormatInt(u.Capacity, 10) {
		t.Errorf("page shows used %s, chunks %s, capacity %s; the node has %d, %d, %d",
			shown.Used, shown.Chunks, shown.Capacity, u.Bytes, u.Chunks, u.Capacity)
	}
	if shown.UsedText != dash.Bytes(float64(u.Bytes)) {
		t.Errorf("page says %q used, want %q", shown.UsedText, dash.Bytes(float64(u.Bytes)))
	}
	for _, id := range []string{"chart-space", "chart-bandwidth", "chart-proofs"} {
		if n, ok := shown.Charts[id]; !ok || n == 0 {
			t.Errorf("chart %s missing or empty (page has %v)", id, shown.Charts)
		}
	}

	// The JSON API serves the same numbers.
	resp, err := http.Get("http://" + st.Dashboard().Addr() + "/api/v1/view")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var v dash.NodeView
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		t.Fatal(err)
	}
	if v.Disk.Used != u.Bytes || v.Disk.Chunks != u.Chunks || v.Node != sn.Node().ID().String() {
		t.Errorf("API: %+v; the node has %+v", v.Disk, u)
	}
}

func TestDashboardOffLoopbackNeedsTheToken(t *testing.T) {
	net := dashNetwork(t, 1, "127.0.0.2:0")
	sn := storageNodes(t, net)[0]
	d := sn.Storage().Dashboard()
	token, err := os.ReadFile(filepath.Join(net.Nodes()[0].Config().Dir, dash.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/", "/api/v1/view", "/metrics"} {
		req, _ := http.NewRequest("GET", "http://"+d.Addr()+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without the token: %d", path, resp.StatusCode)
		}
		req.Header.Set("Authorization", "Bearer "+string(bytes.TrimSpace(token)))
		resp, err = http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s with the token: %d", path, resp.StatusCode)
		}
	}
}

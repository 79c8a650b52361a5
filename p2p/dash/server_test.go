package dash_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scatterbytes/scatterbytes/p2p/dash"
)

// serve runs a dashboard on addr that answers "ok", until the test ends.
func serve(t *testing.T, addr, dir string) *dash.Server {
	t.Helper()
	s, err := dash.Listen(dash.Config{Addr: addr, Dir: dir}, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "ok")
	}))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return s
}

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func get(t *testing.T, url string, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		if k == "Host" {
			req.Host = v
		}
		req.Header.Set(k, v)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestLoopbackNeedsNoTokenButALoopbackName(t *testing.T) {
	s := serve(t, "127.0.0.1:0", "")
	base := "http://" + s.Addr() + "/"
	if r := get(t, base, nil); r.StatusCode != 200 {
		t.Fatalf("plain request on 127.0.0.1: %d", r.StatusCode)
	}
	if r := get(t, base, map[string]string{"Host": "localhost"}); r.StatusCode != 200 {
		t.Fatalf("Host localhost: %d", r.StatusCode)
	}
	// A page elsewhere that rebinds its name to 127.0.0.1 sends its own.
	if r := get(t, base, map[string]string{"Host": "attacker.example:80"}); r.StatusCode != http.StatusForbidden {
		t.Fatalf("Host attacker.example: %d", r.StatusCode)
	}
	resp, err := http.Post(base, "text/plain", strings.NewReader("x"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", resp.StatusCode)
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), dash.TokenFile)); !os.IsNotExist(err) {
		t.Fatal("a token file for a loopback dashboard")
	}
}

func TestOtherAddressNeedsTheToken(t *testing.T) {
	dir := t.TempDir()
	// 127.0.0.2 routes to this machine, but it is not the default: the
	// operator asked for another address, and the token rule applies.
	s := serve(t, "127.0.0.2:0", dir)
	token := s.NewToken()
	if len(token) != 64 {
		t.Fatalf("new token %q", token)
	}
	fi, err := os.Stat(filepath.Join(dir, dash.TokenFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("token file: %v %v", fi.Mode(), err)
	}
	base := "http://" + s.Addr()
	tests := []struct {
		name   string
		url    string
		header map[string]string
		want   int
	}{
		{"no token", base + "/", nil, http.StatusUnauthorized},
		{"no token for metrics", base + "/metrics", nil, http.StatusUnauthorized},
		{"wrong token", base + "/", map[string]string{"Authorization": "Bearer " + strings.Repeat("0", 64)}, http.StatusUnauthorized},
		{"bearer", base + "/", map[string]string{"Authorization": "Bearer " + token}, http.StatusOK},
		{"cookie", base + "/", map[string]string{"Cookie": "scatterbytes_dash=" + token}, http.StatusOK},
		{"query sets the cookie", base + "/?token=" + token, nil, http.StatusSeeOther},
		{"wrong query", base + "/?token=nope", nil, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := get(t, tc.url, tc.header)
			if r.StatusCode != tc.want {
				t.Fatalf("%d, want %d", r.StatusCode, tc.want)
			}
			if tc.want == http.StatusSeeOther {
				if loc := r.Header.Get("Location"); strings.Contains(loc, "token") {
					t.Errorf("redirect keeps the token: %s", loc)
				}
				if len(r.Cookies()) != 1 || r.Cookies()[0].Value != token || !r.Cookies()[0].HttpOnly {
					t.Errorf("cookies %v", r.Cookies())
				}
			}
		})
	}

	// The token is printed once: a second start reads the same one.
	s2, err := dash.Listen(dash.Config{Addr: "127.0.0.2:0", Dir: dir}, http.NotFoundHandler())
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.NewToken() != "" || !strings.HasSuffix(s2.URL(), "?token="+token) {
		t.Fatalf("second start: new token %q, URL %s", s2.NewToken(), s2.URL())
	}
}

func TestNeedsToken(t *testing.T) {
	for host, want := range map[string]bool{"127.0.0.1": false, "::1": false, "localhost": false, "LOCALHOST": false,
		"127.0.0.2": true, "0.0.0.0": true, "": true, "192.168.1.5": true, "::": true} {
		if got := dash.NeedsToken(host); got != want {
			t.Errorf("NeedsToken(%q) = %v", host, got)
		}
	}
}

package dash

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"
)

// TokenFile is the file in a party's directory holding the dashboard
// token (0600).
const TokenFile = "dashboard.token"

// cookieName carries the token in a browser.
const cookieName = "scatterbytes_dash"

// DefaultAddr is where the dashboard listens unless told otherwise.
const DefaultAddr = "127.0.0.1:8089"

// Config configures a Server.
type Config struct {
	// Addr is the address to listen on (host:port; port 0 picks one).
	Addr string
	// Dir is the party's directory, where TokenFile is kept.
	Dir string
	// Logger receives the server's logs; nil discards them.
	Logger *slog.Logger
}

// Server serves a handler on an address under the access rules of the
// package doc. Make it with Listen, then Run it.
type Server struct {
	l        net.Listener
	h        http.Handler
	token    string // "" on a tokenless loopback address
	newToken bool
	log      *slog.Logger
}

// Listen binds cfg.Addr and prepares to serve h there. On an address that
// needs a token it loads or makes the token (see NewToken).
func Listen(cfg Config, h http.Handler) (*Server, error) {
	host, _, err := net.SplitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("dashboard address %q: %w", cfg.Addr, err)
	}
	s := &Server{h: h, log: cfg.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if NeedsToken(host) {
		if cfg.Dir == "" {
			return nil, fmt.Errorf("dashboard on %s needs a token, and there is no directory to keep it in", cfg.Addr)
		}
		if s.token, s.newToken, err = loadOrMakeToken(cfg.Dir); err != nil {
			return nil, err
		}
	}
	if s.l, err = net.Listen("tcp", cfg.Addr); err != nil {
		return nil, fmt.Errorf("dashboard: %w", err)
	}
	return s, nil
}

// NeedsToken says whether a dashboard bound to host needs a token: on
// every host but 127.0.0.1, ::1 and localhost.
func NeedsToken(host string) bool {
	switch strings.ToLower(host) {
	case "127.0.0.1", "::1", "localhost":
		return false
	}
	return true
}

// Addr is the address the server listens on.
func (s *Server) Addr() string { return s.l.Addr().String() }

// URL is the dashboard's address for a browser, with the token on a
// first visit when the server needs one.
func (s *Server) URL() string {
	u := "http://" + s.Addr() + "/"
	if s.token != "" {
		u += "?token=" + s.token
	}
	return u
}

// NewToken returns the token if it was made by this Listen (the caller
// prints it, once) and "" otherwise.
func (s *Server) NewToken() string {
	if s.newToken {
		return s.token
	}
	return ""
}

// Run serves until ctx ends; then it closes the listener.
func (s *Server) Run(ctx context.Context) error {
	srv := &http.Server{Handler: s.guard(s.h), ReadHeaderTimeout: 5 * time.Second}
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	defer stop()
	if err := srv.Serve(s.l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// Close closes a Server that was never Run.
func (s *Server) Close() error { return s.l.Close() }

// guard enforces the access rules around h.
func (s *Server) guard(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			http.Error(w, "read-only", http.StatusMethodNotAllowed)
			return
		}
		if s.token == "" {
			if !loopbackHost(r.Host) {
				http.Error(w, "this dashboard answers on loopback names only", http.StatusForbidden)
				return
			}
			h.ServeHTTP(w, r)
			return
		}
		if q := r.URL.Query().Get("token"); q != "" && s.valid(q) {
			http.SetCookie(w, &http.Cookie{Name: cookieName, Value: q, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			u := *r.URL
			v := u.Query()
			v.Del("token")
			u.RawQuery = v.Encode()
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
		if !s.valid(requestToken(r)) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scatterbytes"`)
			http.Error(w, "a token is needed: see "+TokenFile+" in the node's directory", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) valid(t string) bool {
	return t != "" && subtle.ConstantTimeCompare([]byte(t), []byte(s.token)) == 1
}

// requestToken is the token a request carries, by header or cookie.
func requestToken(r *http.Request) string {
	if a := r.Header.Get("Authorization"); strings.HasPrefix(a, "Bearer ") {
		return strings.TrimSpace(strings.TrimPrefix(a, "Bearer "))
	}
	if c, err := r.Cookie(cookieName); err == nil {
		return c.Value
	}
	return ""
}

// loopbackHost says whether a Host header names a loopback address or
// localhost.
func loopbackHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

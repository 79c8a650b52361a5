package dash

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"time"
)

//go:embed web
var web embed.FS

var funcs = template.FuncMap{
	"bytes":  func(v any) string { return Bytes(toFloat(v)) },
	"rate":   func(v float64) string { return Rate(v) },
	"pct":    func(v float64) string { return fmt.Sprintf("%.1f%%", v) },
	"score":  func(v float64) string { return fmt.Sprintf("%.4f", v) },
	"when":   func(t time.Time) string { return t.Local().Format("2006-01-02 15:04:05") },
	"secs":   func(d time.Duration) int { return max(int(d/time.Second), 1) },
	"uptime": func(v float64) float64 { return 100 * v },
}

func toFloat(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case uint64:
		return float64(x)
	case int:
		return float64(x)
	case float64:
		return x
	}
	return 0
}

var pages = template.Must(template.New("").Funcs(funcs).ParseFS(web, "web/*.html", "web/*.css"))

// Handler serves a party's page (template name), its view as JSON and
// metrics (nil: no /metrics). view is asked once per request (it may read
// the request's query: the coordinator's table sorts by it).
func Handler(name string, view func(*http.Request) (any, error), metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		v, err := view(r)
		if err != nil {
			http.Error(w, "cannot read the numbers: "+err.Error(), http.StatusInternalServerError)
			return
		}
		var b bytes.Buffer
		if err := pages.ExecuteTemplate(&b, name, v); err != nil {
			http.Error(w, "page: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
		_, _ = w.Write(b.Bytes())
	})
	mux.HandleFunc("GET /api/v1/view", func(w http.ResponseWriter, r *http.Request) {
		v, err := view(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(v)
	})
	if metrics != nil {
		mux.Handle("GET /metrics", metrics)
	}
	return mux
}

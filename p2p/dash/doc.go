// Package dash is the operator's view of a party: a web dashboard (one
// page, no external assets: the HTML, CSS and charts are embedded and the
// charts are inline SVG drawn on the server), a JSON API with the same
// numbers and the Prometheus /metrics, served together on one address.
//
// # Bind and access
//
// The dashboard listens on 127.0.0.1 unless the operator asks otherwise.
// On 127.0.0.1, [::1] or localhost it needs no token, but a request
// whose Host header names anything but a loopback address or localhost is
// refused (a web page elsewhere cannot reach it by DNS rebinding). On any
// other address (0.0.0.0, a LAN address, and also 127.0.0.2: "asked
// otherwise" is decided by the address the operator gave, not by where it
// routes) every request must carry the token:
//
//	Authorization: Bearer TOKEN       (scrapers, scripts)
//	?token=TOKEN                      (a browser's first visit: it sets a
//	                                   cookie and redirects without it)
//	Cookie: scatterbytes_dash=TOKEN   (the browser afterwards)
//
// The token is 32 random bytes, hex; it is made the first time it is
// needed, stored 0600 in the party's directory (TokenFile) and printed
// once, then read from the file.
//
// # History
//
// The charts need the past: a party keeps a History (goleveldb, in its own
// directory beside the party's other databases) of samples taken every
// SampleEvery (disk used, chunks, bytes in and out) and of each epoch's
// proof outcome, pruned to the last Keep.
//
// # Routes
//
//	GET /                 the page (refreshes itself every Refresh)
//	GET /api/v1/view      the page's numbers as JSON
//	GET /metrics          Prometheus text format
package dash

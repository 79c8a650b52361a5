// Package bench measures the client data path on a network of real
// processes and compares it with ceilings measured in the same run:
//
//   - one libp2p TLS stream between two processes on loopback, and
//   - single-core AES-256-GCM over 64 KiB segments (the seal cost).
//
// Beside the ceilings it measures what bounds the data path on this
// machine: the transport alone in the bench's own layout of processes (one
// process to N and N to one, Spread), and one core's time for each piece
// of work the data path must do (Work: BLAKE3, sealing, opening, parity).
// Together they give the least CPU an upload and a download can take
// (Report.UploadFloor, DownloadFloor), and so the fastest rate this
// machine's cores allow them, whatever the code.
//
// The network is a coordinator (in the bench process) and N storage nodes,
// each its own `scatterbytes node run` process with its own disk store. The
// upload and download run as `scatterbytes put` and `scatterbytes get`
// processes, whose peak RSS is read from the kernel's rusage. Time to first
// byte and a 1 KiB put+get round trip are measured with a library client.
//
// Memory is measured against the bounds of issue 20 (ClientRSSBound,
// NodeRSSBound): the client's peak RSS from rusage, each node's from
// VmHWM, reset at the start of each phase through clear_refs. Options
// add phases: Generated streams the file through "put -" and "get ... -"
// so that any size runs without being written to disk; FillChunks PUTs
// many small chunks into one node (Fill); Clients has several client
// processes put and get at once (Clients).
package bench

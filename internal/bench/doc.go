// Package bench measures the client data path on a network of real
// processes and compares it with ceilings measured in the same run:
//
//   - one libp2p TLS stream between two processes on loopback, and
//   - single-core AES-256-GCM over 64 KiB segments (the seal cost).
//
// The network is a coordinator (in the bench process) and N storage nodes,
// each its own `scatterbytes node run` process with its own disk store. The
// upload and download run as `scatterbytes put` and `scatterbytes get`
// processes, whose peak RSS is read from the kernel's rusage. Time to first
// byte and a 1 KiB put+get round trip are measured with a library client.
package bench

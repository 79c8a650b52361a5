// Package procnet runs a ScatterBytes testnet of real processes: a
// coordinator and N storage nodes, each the scatterbytes binary run as a
// child (`coordinator run`, `node run`) with its own directory and log
// file under one testnet directory. `scatterbytes testnet up` and
// `scatterbytes demo` run it; the in-process network for tests is package
// testnet.
//
// Decisions:
//   - The process that starts the network (the supervisor) stays in the
//     foreground: it reports a child that dies, never restarts one, and
//     stops every child when it ends. Each child is in its own process
//     group (a Ctrl-C in the terminal reaches the supervisor alone, which
//     then stops the children in order) and has a parent-death signal
//     (SIGKILL): whatever ends the supervisor, SIGKILL included, ends the
//     children too. Nothing detaches.
//   - The binary is copied into DIR/bin/scatterbytes first: after `go run`
//     the running binary is a temporary file the go command deletes, and
//     the commands the supervisor prints must run as printed.
//   - DIR/testnet.json (StateFile) records the supervisor and every child:
//     role, name, PID, peer ID, directories, addresses, how it ended. The
//     supervisor rewrites it (atomically) on every change; other commands
//     (status, kill, down) only read it.
//   - Other processes ask the supervisor to add a node through a Unix
//     socket in DIR (ControlSocket, HTTP): the new node is then its child
//     like the others. Killing a node needs no supervisor: `testnet kill`
//     sends SIGKILL to the PID in the state file, as a crash would.
//   - A child is told apart from a stranger with a reused PID by its
//     command line, which holds its own directory.
//   - A node is ready once the coordinator's API lists it as proving: it
//     enrolled, joined and answered a beacon.
package procnet

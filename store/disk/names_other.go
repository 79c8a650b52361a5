//go:build !linux

package disk

// syncsNewNames is false where the file systems are not known: a put syncs
// the shard directory after the file.
func syncsNewNames(string) bool { return false }

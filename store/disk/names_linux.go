package disk

import "golang.org/x/sys/unix"

// syncsNewNames reports whether the file system of dir makes a new file's
// directory entry durable when the file itself is fsynced, so a put can
// skip syncing the shard directory. ext4 and XFS log the create in the
// transaction that the file's fsync forces to disk, and every earlier
// transaction with it (and ext4 without a journal syncs the parent of a
// new inode itself); btrfs logs the new name of a new inode with it. On
// any other file system the put syncs the directory too.
func syncsNewNames(dir string) bool {
	var st unix.Statfs_t
	if err := unix.Statfs(dir, &st); err != nil {
		return false
	}
	switch uint32(st.Type) {
	case unix.EXT4_SUPER_MAGIC, unix.XFS_SUPER_MAGIC, unix.BTRFS_SUPER_MAGIC:
		return true
	}
	return false
}

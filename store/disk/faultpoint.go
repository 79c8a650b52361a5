package disk

// faultPoint names the steps of a put, in order, for fault (fault.go).
type faultPoint int

const (
	faultCreated faultPoint = iota + 1 // the chunk file exists, empty
	faultWritten                       // its bytes are written, not synced
	faultSynced                        // the file (and its name) are durable
	faultIndexed                       // the index batch is written, not synced
)

// faultEnv names the power cut a storefaults build makes (see
// fault_storefaults.go); other builds never read it.
const faultEnv = "SCATTERBYTES_STORE_FAULT"

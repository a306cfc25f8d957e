package app

import "time"

// The screens bound every call to the service, so that a hung service cannot leave a screen
// waiting. The two bounds differ by what a call waits on.
const (
	// callTimeout bounds a call the service answers by itself: the configuration, a save,
	// a secret, the service's state, who may write.
	callTimeout = 15 * time.Second
	// outsideTimeout bounds a call that waits on something beyond the service: Microsoft 365
	// and OneCloud (Test connection, the OneCloud directory) or a person answering the
	// operating system's elevation prompt (installing the service).
	outsideTimeout = 2 * time.Minute
)

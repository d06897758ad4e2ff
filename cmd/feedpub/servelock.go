package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// errServing means another 'feedpub serve' already serves the same state.
var errServing = errors.New("another feedpub serve uses this state")

// serveLock is held by a running 'feedpub serve' for the whole of its
// life, in a file beside the ledger ({state}.serve). Two servers on one
// state would both build and write the same files and throw away each
// other's caches; builds from 'feedpub build' do not take it, and wait
// their turn on the ledger's own lock instead. The file holds the pid and
// address of its holder, so the refusal can name them. The operating
// system drops the lock when the process ends, however it ends.
type serveLock struct {
	f    *os.File
	path string
}

// serveLockPath is the lock file of the server of a ledger at state.
func serveLockPath(state string) string { return state + ".serve" }

// acquireServeLock takes the serve lock of state, or fails with an error
// wrapping errServing that names the holder.
func acquireServeLock(state string) (*serveLock, error) {
	path := serveLockPath(state)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("serve lock: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("serve lock: %w", err)
	}
	held, err := tryLock(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("serve lock %s: %w", path, err)
	}
	if !held {
		holder, _ := os.ReadFile(path)
		f.Close()
		who := strings.TrimSpace(string(holder))
		if who == "" {
			who = "a process that has not written its address yet"
		}
		return nil, fmt.Errorf("%w (%s): %s; stop it first, or use a configuration with another state", errServing, state, who)
	}
	return &serveLock{f: f, path: path}, nil
}

// announce writes the holder's pid and address into the lock file. A nil
// lock (a PostgreSQL state, which takes none) does nothing.
func (l *serveLock) announce(addr string) error {
	if l == nil {
		return nil
	}
	line := fmt.Sprintf("feedpub serve, pid %d, listening on http://%s/\n", os.Getpid(), addr)
	if err := l.f.Truncate(0); err != nil {
		return err
	}
	_, err := l.f.WriteAt([]byte(line), 0)
	return err
}

// release empties the lock file and unlocks it. The file stays: removing
// it could race with a server that has just opened it.
func (l *serveLock) release() {
	if l == nil {
		return
	}
	_ = l.f.Truncate(0)
	_ = l.f.Close()
}

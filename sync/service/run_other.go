//go:build !windows

package service

import (
	"context"
	"log/slog"
)

// runUnderSCM is for Windows; elsewhere kardianos's Run decides between the
// service manager and a terminal.
func runUnderSCM(context.Context, Params, *slog.Logger, Body) (bool, error) { return false, nil }

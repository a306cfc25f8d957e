//go:build windows || darwin

package main

// displayAlwaysPresent: a Windows or macOS desktop session always has one.
const displayAlwaysPresent = true

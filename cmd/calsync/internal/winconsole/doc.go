// Package winconsole gives calsync.exe's commands the console they were typed in; elsewhere
// than on Windows it does nothing. calsync.exe is a GUI-subsystem program, so that its window
// opens without a console window beside it; Windows then starts it with no standard handles,
// and `calsync status` typed in cmd.exe or PowerShell would print nothing. When a command is
// given and a standard handle is missing, it attaches to the parent's console and opens that
// console's input and output in their place. Handles that exist (output redirected to a file
// or a pipe, as under Wine) are kept as they are.
package winconsole

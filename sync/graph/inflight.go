package graph

import "context"

// acquire takes one of the client's MaxInFlight slots for a Graph HTTP
// request, or gives up when ctx ends. getSchedule and the contacts listing
// share the slots: Outlook's concurrency limit counts every request of the
// app, whatever it reads. Token requests go to Entra ID and take none.
func (c *Client) acquire(ctx context.Context) error {
	select {
	case c.inFlight <- struct{}{}:
		return nil
	case <-ctx.Done():
		return &Error{Kind: KindCanceled, Message: "stopped while waiting for a free request slot: " + ctx.Err().Error(),
			Err: ctx.Err()}
	}
}

// release gives back a slot taken by acquire.
func (c *Client) release() { <-c.inFlight }

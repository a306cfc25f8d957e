// Package emulator serves faithful stand-ins for Microsoft Entra ID + Graph
// (the token endpoint and calendar getSchedule) and for the OneCloud REST
// contract, for tests and `calsync demo`. Their state is plain data a test
// may edit while the servers run; fault knobs inject the failures the real
// services produce. No production code path imports this package.
package emulator

import (
	"encoding/json"
	"io"
	"net/http"
)

// writeJSON writes v as a JSON body with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// errorBody is the error shape shared by Graph and OneCloud:
// {"error":{"code":"...","message":"..."}}.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// writeError writes the Graph/OneCloud error body.
func writeError(w http.ResponseWriter, status int, code, message string) {
	var b errorBody
	b.Error.Code = code
	b.Error.Message = message
	writeJSON(w, status, b)
}

// holdUntilClientGivesUp answers r with nothing until its client gives up
// (timeout or cancellation), as a request lost in a stalled proxy does. The
// body is read first: the server notices a client hanging up only after
// the body, and until then the request would count as in flight forever.
func holdUntilClientGivesUp(r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

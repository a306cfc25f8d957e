/*
 * processprng.c is a stand-in bcryptprimitives.dll for Wine 8, which lacks it: the Go runtime
 * (1.24 and later) loads it from system32 at start and calls ProcessPrng for its random numbers
 * ("fatal error: bcryptprimitives.dll not found" otherwise). The bytes come from advapi32's
 * SystemFunction036 (RtlGenRandom), which Wine implements. Test-only: .ci/wine-test.sh builds it
 * with mingw-w64 into the Wine prefix; it never ships.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	/* SystemFunction036 takes a ULONG: fill larger requests in chunks. */
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (!SystemFunction036(data, n))
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}

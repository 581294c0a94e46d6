// The declaration is all there is: libFuzzer itself comes with -sanitize=fuzzer.

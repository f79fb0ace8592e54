/* UTF-8 decoding for the checks of addresses and log text. */
#ifndef MAILAUTOCONF_UTF8_H
#define MAILAUTOCONF_UTF8_H

#include <stddef.h>

/*
 * Decodes the non-ASCII UTF-8 sequence that starts the left bytes at s.
 * Returns its length (2 to 4) and stores its code point in *code. Returns
 * 0 for bytes that are not a well-formed sequence: a byte that cannot
 * start one, a sequence cut short, an overlong form, a surrogate, a code
 * point past U+10FFFF.
 */
size_t utf8_decode(const unsigned char *s, size_t left, unsigned long *code);

#endif

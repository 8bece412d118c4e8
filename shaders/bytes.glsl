// Byte `i` of a uint8 tensor bound as 32-bit words (portable: needs no 8-bit storage feature).
uint byte_at(uint word, uint i) { return (word >> ((i & 3u) * 8u)) & 0xFFu; }

/*
 * Benchmark program (scripts/bench-lx106.sh): string handling, written after the translator
 * and not used to tune it; most of the work is picolibc's own code. Builds a text of generated
 * words with snprintf and strcat, then: strlen/strchr/strstr searches, strtok_r splitting into
 * a word-count hash table (strcmp, strcpy), reversing words in place, strtol of number fields,
 * memmove shifts and a case-folding comparison. Self-checks: the counts add up to the words
 * written, reversing twice restores the text, parsed numbers equal those formatted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef ROUNDS
#define ROUNDS 400
#endif
#define WORDS 900
#define TABLE 512

static const char *syllables[] = {"ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "ze", "qu"};
static char text[WORDS * 16 + 64], copy[sizeof text];
static struct {
    char word[16];
    uint32_t count;
} table[TABLE];
static uint32_t lcg = 7u;
static uint32_t next(void)
{
    lcg = lcg * 22695477u + 1u;
    return lcg >> 10;
}

static uint32_t hash(const char *s)
{
    uint32_t h = 5381;
    while (*s)
        h = h * 33u + (uint8_t)*s++;
    return h;
}

static void reverse_words(char *s)
{
    while (*s) {
        while (*s == ' ')
            ++s;
        char *e = s;
        while (*e && *e != ' ')
            ++e;
        for (char *p = s, *q = e - 1; p < q; ++p, --q) {
            char t = *p;
            *p = *q;
            *q = t;
        }
        s = e;
    }
}

static int fold_cmp(const char *a, const char *b)
{
    for (;; ++a, ++b) {
        int x = (*a >= 'a' && *a <= 'z') ? *a - 32 : *a;
        int y = (*b >= 'a' && *b <= 'z') ? *b - 32 : *b;
        if (x != y || !x)
            return x - y;
    }
}

int main(void)
{
    int ok = 1;
    uint32_t tw = 0, ts = 0, tn = 0, tr = 0;
    for (int r = 0; r < ROUNDS; ++r) {
        text[0] = 0;
        size_t len = 0;
        long numbers = 0;
        int written = 0;
        for (int w = 0; w < WORDS; ++w) {
            char word[24];
            if (next() % 5u == 0) {
                long v = (long)(next() % 100000u) - 50000;
                snprintf(word, sizeof word, "%ld ", v);
                numbers += v;
            } else {
                word[0] = 0;
                int n = 1 + (int)(next() % 3u);
                for (int k = 0; k < n; ++k)
                    strcat(word, syllables[next() % 10u]);
                strcat(word, " ");
            }
            strcpy(text + len, word);
            len += strlen(word);
            ++written;
        }
        ok &= strlen(text) == len;
        const char *p = text;
        uint32_t found = 0;
        while ((p = strstr(p, "kalo")) != NULL) {
            ++found;
            ++p;
        }
        for (const char *q = strchr(text, 'z'); q; q = strchr(q + 1, 'z'))
            ++found;
        ts += found;

        strcpy(copy, text);
        reverse_words(copy);
        tr = tr * 31u + hash(copy);
        reverse_words(copy);
        ok &= strcmp(copy, text) == 0 && fold_cmp(copy, text) == 0;

        memset(table, 0, sizeof table);
        char *save = NULL;
        long parsed = 0;
        int tokens = 0;
        for (char *tok = strtok_r(copy, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
            ++tokens;
            if ((*tok >= '0' && *tok <= '9') || *tok == '-') {
                parsed += strtol(tok, NULL, 10);
                continue;
            }
            uint32_t h = hash(tok) % TABLE;
            while (table[h].count && strcmp(table[h].word, tok) != 0)
                h = (h + 1) % TABLE;
            if (!table[h].count)
                strcpy(table[h].word, tok);
            ++table[h].count;
        }
        ok &= tokens == written && parsed == numbers;
        uint32_t total = 0, distinct = 0;
        for (int i = 0; i < TABLE; ++i)
            if (table[i].count) {
                total += table[i].count;
                ++distinct;
                tw = tw * 17u + table[i].count * hash(table[i].word);
            }
        memmove(text + 1, text, len + 1);
        text[0] = '>';
        ok &= text[0] == '>' && text[len] == ' ' && strlen(text) == len + 1;
        tn += (uint32_t)parsed + distinct + total;
    }
    printf("words      %08lx\n", (unsigned long)tw);
    printf("search     %08lx\n", (unsigned long)ts);
    printf("numbers    %08lx\n", (unsigned long)tn);
    printf("reverse    %08lx\n", (unsigned long)tr);
    printf("bench %s\n", ok ? "ok" : "WRONG RESULT");
    return ok ? 0 : 1;
}

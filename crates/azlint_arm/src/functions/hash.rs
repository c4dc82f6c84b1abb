//! The deterministic identifiers ARM computes: `uniqueString()` and `guid()`.
//!
//! Both take their string arguments joined with `-` and encoded as UTF-8:
//!
//! - `uniqueString()` hashes them with the 64-bit MurmurHash variant of Microsoft's
//!   `ComputeHash.MurmurHash64` (two 32-bit lanes, seed 0; not MurmurHash64A) and writes the 64
//!   bits as 13 base-32 digits, most significant first, from the alphabet
//!   `abcdefghijklmnopqrstuvwxyz234567` (the last digit carries the hash's low 4 bits, shifted).
//! - `guid()` is an RFC 4122 §4.3 name-based UUID, version 5 (SHA-1), in the namespace
//!   `11fb06fb-712d-4ddd-98c7-e71bbd588830`, written in lower case as `8-4-4-4-12`.
//!
//! Sources: Microsoft's reference for `guid()` (namespace, version, `-` join), the decompiled
//! `ComputeHash.MurmurHash64` / `Base32Encode` of `Azure.Deployments.Expression`, and the
//! same algorithm in Microsoft's `terraform-provider-azapi` (`unique_string`). The unit tests
//! hold outputs of real deployments.

use sha1::{Digest, Sha1};

/// ARM's namespace for `guid()`, in network byte order.
const GUID_NAMESPACE: [u8; 16] = [
    0x11, 0xfb, 0x06, 0xfb, 0x71, 0x2d, 0x4d, 0xdd, 0x98, 0xc7, 0xe7, 0x1b, 0xbd, 0x58, 0x88, 0x30,
];

/// ARM refuses `uniqueString()` input longer than this many characters once joined.
pub const UNIQUE_STRING_MAX_INPUT: usize = 131_072;

const BASE32: &[u8; 32] = b"abcdefghijklmnopqrstuvwxyz234567";

/// `uniqueString(a, b, ...)`: 13 characters, exactly as Azure computes them.
pub fn unique_string(parts: &[&str]) -> String {
    let joined = parts.join("-");
    let mut h = murmur_hash64(joined.as_bytes());
    let mut out = String::with_capacity(13);
    for _ in 0..13 {
        out.push(char::from(BASE32[(h >> 59) as usize]));
        h <<= 5;
    }
    out
}

/// `guid(a, b, ...)`: a GUID, exactly as Azure computes it.
pub fn guid(parts: &[&str]) -> String {
    let joined = parts.join("-");
    let mut sha = Sha1::new();
    sha.update(GUID_NAMESPACE);
    sha.update(joined.as_bytes());
    let digest = sha.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest[..16]);
    b[6] = (b[6] & 0x0f) | 0x50; // version 5
    b[8] = (b[8] & 0x3f) | 0x80; // RFC 4122 variant
    let mut out = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        out.push(hex_digit(byte >> 4));
        out.push(hex_digit(byte & 0x0f));
    }
    out
}

fn hex_digit(n: u8) -> char {
    char::from(b"0123456789abcdef"[usize::from(n & 0x0f)])
}

/// Little-endian 32-bit word from up to 4 bytes (missing high bytes are zero).
fn le_word(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .enumerate()
        .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (8 * i)))
}

/// Microsoft's 64-bit MurmurHash variant (seed 0) as ARM uses it for `uniqueString()`.
fn murmur_hash64(data: &[u8]) -> u64 {
    const C1: u32 = 0x239b_961b; // 597399067
    const C2: u32 = 0xab0e_9789; // 2869860233
    const F1: u32 = 0x85eb_ca6b; // 2246822507
    const F2: u32 = 0xc2b2_ae35; // 3266489909
    let mut h1: u32 = 0;
    let mut h2: u32 = 0;
    let mut blocks = data.chunks_exact(8);
    for block in &mut blocks {
        let k1 = le_word(&block[..4])
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 = (h1 ^ k1)
            .rotate_left(19)
            .wrapping_add(h2)
            .wrapping_mul(5)
            .wrapping_add(0x561c_cd1b); // 1444728091
        let k2 = le_word(&block[4..])
            .wrapping_mul(C2)
            .rotate_left(17)
            .wrapping_mul(C1);
        h2 = (h2 ^ k2)
            .rotate_left(13)
            .wrapping_add(h1)
            .wrapping_mul(5)
            .wrapping_add(0x0bca_a747); // 197830471
    }
    let tail = blocks.remainder();
    if !tail.is_empty() {
        let k1 = le_word(tail)
            .wrapping_mul(C1)
            .rotate_left(15)
            .wrapping_mul(C2);
        h1 ^= k1;
        if tail.len() > 4 {
            let k2 = le_word(&tail[4..])
                .wrapping_mul(C2)
                .rotate_left(17)
                .wrapping_mul(C1);
            h2 ^= k2;
        }
    }
    // The length enters as a 32-bit integer, as in the original.
    let len = data.len() as u32;
    h1 ^= len;
    h2 ^= len;
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    let fmix = |mut h: u32| {
        h ^= h >> 16;
        h = h.wrapping_mul(F1);
        h ^= h >> 13;
        h = h.wrapping_mul(F2);
        h ^ (h >> 16)
    };
    h1 = fmix(h1);
    h2 = fmix(h2);
    h1 = h1.wrapping_add(h2);
    h2 = h2.wrapping_add(h1);
    (u64::from(h2) << 32) | u64::from(h1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_are_the_published_decimal_values() {
        assert_eq!(0x239b_961b_u32, 597_399_067);
        assert_eq!(0xab0e_9789_u32, 2_869_860_233);
        assert_eq!(0x561c_cd1b_u32, 1_444_728_091);
        assert_eq!(0x0bca_a747_u32, 197_830_471);
        assert_eq!(0x85eb_ca6b_u32, 2_246_822_507);
        assert_eq!(0xc2b2_ae35_u32, 3_266_489_909);
    }

    /// Outputs of real ARM deployments, recorded by others (see the report for where).
    #[test]
    fn unique_string_matches_deployed_outputs() {
        // KingslandConsulting/Kingsland.ArmLinter, ArmFunctions_UniqueString.cs: "example output"
        // of deploying `uniqueString(...)` with New-AzResourceGroupDeployment.
        assert_eq!(unique_string(&["aaa"]), "zavj67f3en4hc");
        assert_eq!(unique_string(&["bbb"]), "w5eragfxe33cy");
        assert_eq!(unique_string(&["zzz"]), "cryksdzzzawae");
        assert_eq!(unique_string(&["xxx", "yyy", "zzz"]), "lghi7k5js7itq");
        // microsoft/commercial-marketplace-offer-deploy, ArmFunctionsTests.cs (the version whose
        // implementation calls Microsoft's own Azure.Deployments.Expression library):
        // "valueFromArmTemplate" for a VM resource id taken from an ARM output.
        assert_eq!(
            unique_string(&["/subscriptions/31e9f9a0-9fd2-4294-a0a3-0101246d9700/resourceGroups/rg-modm201-20230913120256/providers/Microsoft.Compute/virtualMachines/bobjacmodm201"]),
            "yvjxno3je5on2"
        );
    }

    /// Vectors from independent ports that state they match ARM/Bicep.
    #[test]
    fn unique_string_matches_published_ports() {
        // Azure/terraform-provider-azapi, unique_string_function_test.go.
        assert_eq!(
            unique_string(&[
                "/subscriptions/00000000-0000-0000-0000-000000000000",
                "resource-id"
            ]),
            "cwvxuqg24sifi"
        );
        // uniquestring.sh (pure-bash port), self-test "verified against Bicep uniqueString()".
        assert_eq!(unique_string(&["test"]), "rbgf3xv4ufgzg");
        assert_eq!(unique_string(&["hello", "world"]), "a7wkljktk6wne");
        assert_eq!(unique_string(&["abc"]), "cgtzqvhu4i23s");
        assert_eq!(
            unique_string(&[
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/my-rg"
            ]),
            "bmg7c6xu4tw46"
        );
        assert_eq!(unique_string(&["foo", "bar", "baz"]), "xzi4ioaxtmth4");
        // AzureNaming.Utilities tests (TestArmFunctions.cs).
        assert_eq!(unique_string(&["tyeth"]), "zcztcwvu6iyg6");
        assert_eq!(
            unique_string(&[
                "/subscriptions/3c7f956b-55ee-4686-9d30-da1eb631dc59/resourceGroups/rg-devopsshieldek010dev"
            ]),
            "fd63l2gacbtca"
        );
    }

    #[test]
    fn unique_string_covers_every_tail_length() {
        // Every tail length 0..=7 of the 8-byte blocks; the shape is fixed whatever the input.
        for n in 0..=17 {
            let s = "a".repeat(n);
            let u = unique_string(&[&s]);
            assert_eq!(u.len(), 13);
            assert!(u.bytes().all(|b| BASE32.contains(&b)), "{u}");
        }
        // The joining dash is part of the input.
        assert_eq!(unique_string(&["a", "b"]), unique_string(&["a-b"]));
        assert_ne!(unique_string(&["a", "b"]), unique_string(&["ab"]));
        // UTF-8, not UTF-16: a non-ASCII input is hashed as its UTF-8 bytes.
        assert_ne!(unique_string(&["é"]), unique_string(&["e"]));
    }

    #[test]
    fn guid_is_a_version_5_uuid_in_arms_namespace() {
        // RFC 4122 appendix B check of the construction itself: uuid5(DNS, "www.example.com")
        // is 2ed6657d-e927-568b-95e1-2665a8aea6a2 (Python's uuid module gives the same).
        let dns = [
            0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4,
            0x30, 0xc8,
        ];
        let mut sha = Sha1::new();
        sha.update(dns);
        sha.update(b"www.example.com");
        let d = sha.finalize();
        assert_eq!(d[0], 0x2e);
        assert_eq!(d[1], 0xd6);

        let g = guid(&["abc"]);
        assert_eq!(g.len(), 36);
        assert_eq!(&g[14..15], "5");
        assert!(matches!(&g[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(guid(&["a", "b"]), guid(&["a-b"]));
        assert_ne!(guid(&["a", "b"]), guid(&["ab"]));
    }
}

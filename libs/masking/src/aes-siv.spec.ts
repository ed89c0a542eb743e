import { cmac, sivDecrypt, sivEncrypt } from './aes-siv';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s/g, ''), 'hex');

describe('AES-CMAC (RFC 4493) and AES-SIV (RFC 5297)', () => {
  const cmacKey = hex('2b7e151628aed2a6abf7158809cf4f3c');
  it('CMAC example 1 and 2', () => {
    expect(cmac(cmacKey, Buffer.alloc(0)).toString('hex')).toBe('bb1d6929e95937287fa37d129b756746');
    expect(cmac(cmacKey, hex('6bc1bee22e409f96e93d7e117393172a')).toString('hex')).toBe(
      '070a16b46b4d4144f79bdd9dd04a287c',
    );
  });

  it('A.1 deterministic authenticated encryption', () => {
    const key = hex('fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff');
    const ad = [hex('101112131415161718191a1b1c1d1e1f2021222324252627')];
    const sealed = sivEncrypt(key, hex('112233445566778899aabbccddee'), ad);
    expect(sealed.toString('hex')).toBe(
      '85632d07c6e8f37f950acd320a2ecc93' + '40c02b9690c4dc04daef7f6afe5c',
    );
    expect(sivDecrypt(key, sealed, ad)?.toString('hex')).toBe('112233445566778899aabbccddee');
  });

  it('A.2 nonce-based authenticated encryption', () => {
    const key = hex('7f7e7d7c7b7a79787776757473727170 404142434445464748494a4b4c4d4e4f');
    const ad = [
      hex('00112233445566778899aabbccddeeffdeaddadadeaddadaffeeddccbbaa99887766554433221100'),
      hex('102030405060708090a0'),
      hex('09f911029d74e35bd84156c5635688c0'),
    ];
    const pt = hex(
      '7468697320697320736f6d6520706c61696e7465787420746f20656e6372797074207573696e67205349562d414553',
    );
    expect(sivEncrypt(key, pt, ad).toString('hex')).toBe(
      '7bdb6e3b432667eb06f4d14bff2fbd0f' +
        'cb900f2fddbe404326601965c889bf17dba77ceb094fa663b7a3f748ba8af829ea64ad544a272e9c485b62a3fd5c0d',
    );
  });

  it('rejects a tampered ciphertext or the wrong associated data', () => {
    const key = Buffer.alloc(64, 7);
    const sealed = sivEncrypt(key, Buffer.from('secret value'), [Buffer.from('ad')]);
    const tampered = Buffer.from(sealed);
    tampered[20] ^= 1;
    expect(sivDecrypt(key, tampered, [Buffer.from('ad')])).toBeNull();
    expect(sivDecrypt(key, sealed, [Buffer.from('other')])).toBeNull();
  });
});

// Imported first by a test file: the card renders for a Japanese user in Tokyo.
require('./language').useLanguage({ lang: 'ja', locale: 'ja-JP', timeZone: 'Asia/Tokyo' });

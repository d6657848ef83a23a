package ratecreator.db.test;

import java.util.List;
import java.util.Map;
import org.apache.lucene.analysis.LowerCaseFilter;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.Tokenizer;
import org.apache.lucene.analysis.ngram.EdgeNGramTokenizer;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.index.analysis.TokenFilterFactory;
import org.elasticsearch.index.analysis.TokenizerFactory;
import org.elasticsearch.indices.analysis.AnalysisModule.AnalysisProvider;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * Test node only. Elasticsearch's integration-test distribution (the one Maven Central serves) lacks the
 * analysis-common module, and with it the `edge_ngram` tokenizer and the `lowercase` token filter that the accounts
 * index's "autocomplete" analyzer uses. This plugin registers both under the same names, built on the same Lucene
 * classes and reading the same settings (min_gram, max_gram, token_chars), so that the documented mappings are created
 * and searched unchanged. Production clusters have the real module; this is never shipped.
 */
public final class TestAnalysisPlugin extends Plugin implements AnalysisPlugin {
  @Override
  public Map<String, AnalysisProvider<TokenizerFactory>> getTokenizers() {
    return Map.of("edge_ngram", (indexSettings, environment, name, settings) -> edgeNGram(name, settings));
  }

  @Override
  public Map<String, AnalysisProvider<TokenFilterFactory>> getTokenFilters() {
    return Map.of("lowercase", (indexSettings, environment, name, settings) -> new TokenFilterFactory() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public TokenStream create(TokenStream input) {
        return new LowerCaseFilter(input);
      }

      @Override
      public TokenStream normalize(TokenStream input) {
        return new LowerCaseFilter(input);
      }
    });
  }

  private static TokenizerFactory edgeNGram(String name, Settings settings) {
    int min = settings.getAsInt("min_gram", 1);
    int max = settings.getAsInt("max_gram", 2);
    List<String> chars = settings.getAsList("token_chars");
    if (chars.isEmpty()) return TokenizerFactory.newFactory(name, () -> new EdgeNGramTokenizer(min, max));
    return TokenizerFactory.newFactory(name, () -> new EdgeNGramTokenizer(min, max) {
      @Override
      protected boolean isTokenChar(int c) {
        return (chars.contains("letter") && Character.isLetter(c))
          || (chars.contains("digit") && Character.isDigit(c))
          || (chars.contains("whitespace") && Character.isWhitespace(c))
          || (chars.contains("punctuation") && isPunctuation(c))
          || (chars.contains("symbol") && isSymbol(c));
      }
    });
  }

  private static boolean isPunctuation(int c) {
    switch (Character.getType(c)) {
      case Character.CONNECTOR_PUNCTUATION: case Character.DASH_PUNCTUATION: case Character.START_PUNCTUATION:
      case Character.END_PUNCTUATION: case Character.INITIAL_QUOTE_PUNCTUATION: case Character.FINAL_QUOTE_PUNCTUATION:
      case Character.OTHER_PUNCTUATION:
        return true;
      default:
        return false;
    }
  }

  private static boolean isSymbol(int c) {
    switch (Character.getType(c)) {
      case Character.MATH_SYMBOL: case Character.CURRENCY_SYMBOL: case Character.MODIFIER_SYMBOL: case Character.OTHER_SYMBOL:
        return true;
      default:
        return false;
    }
  }
}
